using System.Xml.Linq;
using FactDesk.Api.Hosting;
using FactDesk.TamperEvidence;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace FactDesk.Api.Sessions;

/// <summary>
/// Data Protection's key ring in PostgreSQL, so every instance and every restart protects and unprotects with the same
/// keys: session cookies, anti-forgery tokens and the issuer sign-in's state survive restarts and cross instances, and
/// webhook secrets stored protected stay readable. Data Protection itself creates, rotates (every 90 days) and caches
/// the keys; this only stores its XML elements.
/// </summary>
public sealed class DataProtectionKeys(NpgsqlDataSource dataSource, SchemaState schema) : IXmlRepository
{
    private const string S = StoreSetup.Schema;

    public static Weasel.Core.ISchemaObject Table()
    {
        var keys = SchemaTables.For(S, "data_protection_keys");
        keys.AddIdentityColumn("id").AsPrimaryKey();
        keys.AddColumn("friendly_name", "text").NotNull();
        keys.AddColumn("xml", "text").NotNull();
        keys.AddColumn("created_at", "timestamptz").NotNull().DefaultValueByExpression("clock_timestamp()");
        return keys;
    }

    // Data Protection's repository interface is synchronous; it is called when the key ring is (re)loaded, about once a day.
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        WaitForSchema();
        using var cmd = dataSource.CreateCommand($"select xml from {S}.data_protection_keys order by id");
        using var reader = cmd.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read()) elements.Add(XElement.Parse(reader.GetString(0)));
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        WaitForSchema();
        using var cmd = dataSource.CreateCommand($"insert into {S}.data_protection_keys (friendly_name, xml) values ($1, $2)");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = friendlyName });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = element.ToString(SaveOptions.DisableFormatting) });
        cmd.ExecuteNonQuery();
    }

    /// <summary>A request that arrives while the schema is still being made waits for the table rather than failing.</summary>
    private void WaitForSchema()
    {
        if (!schema.IsMigrated) schema.Migrated.Wait(TimeSpan.FromSeconds(30));
    }
}

public static class DataProtectionSetup
{
    /// <summary>One application name for every instance, so they share one key ring whatever directory they run from.</summary>
    public const string ApplicationName = "FactDesk";

    public static IServiceCollection AddFactDeskDataProtection(this IServiceCollection services)
    {
        services.AddSingleton(DataProtectionKeys.Table());
        services.AddDataProtection().SetApplicationName(ApplicationName);
        services.AddSingleton<DataProtectionKeys>();
        services.AddOptions<KeyManagementOptions>().Configure<DataProtectionKeys>((o, keys) => o.XmlRepository = keys);
        return services;
    }
}
