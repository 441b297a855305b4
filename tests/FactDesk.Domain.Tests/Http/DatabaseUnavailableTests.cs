using FactDesk.Api.Http;
using Npgsql;
using Shouldly;

namespace FactDesk.Domain.Tests.Http;

/// <summary>Which failures answer 503 (the database is away) rather than 500.</summary>
public sealed class DatabaseUnavailableTests
{
    [Fact]
    public void A_lost_connection_is_unavailable_also_when_wrapped_as_marten_wraps_a_failed_write() =>
        CommandPipeline.IsDatabaseUnavailable(new InvalidOperationException("Marten Command Failure", new NpgsqlException("connection refused")))
            .ShouldBeTrue();

    [Fact]
    public void A_server_shutting_down_is_unavailable() =>
        CommandPipeline.IsDatabaseUnavailable(new PostgresException("terminating connection", "FATAL", "FATAL", "57P01")).ShouldBeTrue();

    [Fact]
    public void Other_failures_are_not() =>
        CommandPipeline.IsDatabaseUnavailable(new InvalidOperationException("a bug", new PostgresException("syntax", "ERROR", "ERROR", "42601"))).ShouldBeFalse();
}
