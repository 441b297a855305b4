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

    [Theory]
    [InlineData("57P03")] // starting up
    [InlineData("08006")] // connection failure
    [InlineData("53300")] // too many connections
    [InlineData("58030")] // I/O error
    public void A_server_that_cannot_serve_now_is_unavailable(string sqlState) =>
        CommandPipeline.IsDatabaseUnavailable(new PostgresException("cannot serve", "FATAL", "FATAL", sqlState)).ShouldBeTrue();

    [Fact]
    public void A_lost_connection_among_several_failures_is_unavailable() =>
        CommandPipeline.IsDatabaseUnavailable(new AggregateException(
            new InvalidOperationException("a bug"), new NpgsqlException("Exception while reading from stream", new EndOfStreamException())))
            .ShouldBeTrue();

    [Fact]
    public void Npgsql_refusing_a_connection_the_lost_server_broke_is_unavailable() =>
        CommandPipeline.IsDatabaseUnavailable(new InvalidOperationException("Connection is not open") { Source = "Npgsql" }).ShouldBeTrue();

    [Theory]
    [InlineData("42601")] // syntax error
    [InlineData("23505")] // unique violation
    [InlineData("40P01")] // deadlock: the server rolled back, but it is answering
    public void A_server_that_answers_with_another_error_is_not_unavailable(string sqlState) =>
        CommandPipeline.IsDatabaseUnavailable(new PostgresException("refused", "ERROR", "ERROR", sqlState)).ShouldBeFalse();

    [Fact]
    public void An_invalid_operation_outside_npgsql_is_not_unavailable() =>
        CommandPipeline.IsDatabaseUnavailable(new InvalidOperationException("Connection is not open")).ShouldBeFalse();

    [Fact]
    public void Other_failures_are_not() =>
        CommandPipeline.IsDatabaseUnavailable(new InvalidOperationException("a bug", new PostgresException("syntax", "ERROR", "ERROR", "42601"))).ShouldBeFalse();
}
