using System.Net;
using FactDesk.Testing;
using Npgsql;
using Shouldly;

namespace FactDesk.TamperEvidence.Tests;

/// <summary>
/// The PostgreSQL every database test runs on: a Testcontainers container when a Docker engine answers (always, under
/// ops/test), a local cluster otherwise, and each test class's database fresh.
/// </summary>
public class TestPostgresTests
{
    [Fact]
    public async Task The_shared_server_is_where_it_says_it_is_and_a_container_whenever_ops_test_asks_for_one()
    {
        var server = await PostgresServer.GetAsync();
        if (Environment.GetEnvironmentVariable("FACTDESK_TEST_POSTGRES") == "container") server.Kind.ShouldBe(PostgresKind.Container);

        var database = await server.CreateDatabaseAsync("where");
        var serverAddress = await ScalarAsync<IPAddress?>(database, "select inet_server_addr()");
        switch (server.Kind)
        {
            case PostgresKind.Container:
                // Reached through a port published on 127.0.0.1, the server itself listens inside the container's network.
                server.Description.ShouldContain("Testcontainers container");
                new NpgsqlConnectionStringBuilder(database).Host.ShouldBe("127.0.0.1");
                serverAddress.ShouldNotBeNull();
                IPAddress.IsLoopback(serverAddress).ShouldBeFalse($"a container's server answered on {serverAddress}");
                (await ScalarAsync<string>(database, "select current_setting('max_connections')")).ShouldBe("300");
                break;
            case PostgresKind.LocalCluster:
                serverAddress.ShouldBe(IPAddress.Loopback);
                break;
        }
    }

    [Fact]
    public async Task Each_test_class_gets_a_database_of_its_own_and_empty()
    {
        var server = await PostgresServer.GetAsync();
        var first = await server.CreateDatabaseAsync("fresh");
        var second = await server.CreateDatabaseAsync("fresh");
        new NpgsqlConnectionStringBuilder(first).Database.ShouldNotBe(new NpgsqlConnectionStringBuilder(second).Database);

        await ScalarAsync<int>(first, "create table t (x int); insert into t values (1); select count(*)::int from t");
        (await ScalarAsync<long>(second, "select count(*) from pg_tables where schemaname = 'public'")).ShouldBe(0);
    }

    [Fact]
    public async Task Without_a_Docker_engine_the_fixture_falls_back_to_a_local_cluster_and_says_so_in_one_line()
    {
        var said = new List<string>();
        await using var server = await PostgresServer.StartAsync(new PostgresChoice
        {
            Mode = PostgresMode.Auto,
            DockerEndpoint = "unix:///nonexistent/docker.sock",
            Say = said.Add,
        });

        server.Kind.ShouldBe(PostgresKind.LocalCluster);
        said.ShouldHaveSingleItem().ShouldStartWith("No Docker engine answers at unix:///nonexistent/docker.sock");
        said[0].ShouldContain("local PostgreSQL cluster");
        var database = await server.CreateDatabaseAsync("fallback");
        (await ScalarAsync<IPAddress?>(database, "select inet_server_addr()")).ShouldBe(IPAddress.Loopback);
        (await ScalarAsync<int>(database, "select 41 + 1")).ShouldBe(42);
    }

    [Fact]
    public async Task When_a_container_is_required_a_missing_engine_is_an_error_not_a_fallback()
    {
        var said = new List<string>();
        var error = await Should.ThrowAsync<InvalidOperationException>(() => PostgresServer.StartAsync(new PostgresChoice
        {
            Mode = PostgresMode.Container,
            DockerEndpoint = "unix:///nonexistent/docker.sock",
            Say = said.Add,
        }));
        error.Message.ShouldContain("no Docker engine answers at unix:///nonexistent/docker.sock");
        said.ShouldBeEmpty();
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        var value = await cmd.ExecuteScalarAsync();
        return value is DBNull ? default! : (T)value!;
    }
}
