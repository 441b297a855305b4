using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace FactDesk.Api.Http;

/// <summary>A command the current state forbids; answered 409 with a <c>type</c> naming the rule.</summary>
public sealed record RuleViolation(string Rule, string Detail)
{
    /// <summary>Members added to the problem body, such as the id of the claim a refusal points to.</summary>
    public IReadOnlyDictionary<string, object?> Extensions { get; init; } = new Dictionary<string, object?>();
}

/// <summary>An answer that ends a request early with a problem+json body.</summary>
public sealed class ProblemException(ProblemDetails problem) : Exception(problem.Detail ?? problem.Title)
{
    public ProblemDetails Problem { get; } = problem;
}

/// <summary>Builds RFC 9457 problem details for every error FactDesk answers, so each has a stable <c>type</c>.</summary>
public static class Problems
{
    public const string TypeBase = "https://factdesk.example/problems/";
    public const string RuleTypeBase = "https://factdesk.example/rules/";

    public static ProblemDetails Make(int status, string type, string title, string? detail = null) =>
        new() { Status = status, Type = TypeBase + type, Title = title, Detail = detail };

    public static ProblemDetails Validation(IDictionary<string, string[]> errors, string? detail = null) =>
        new ValidationProblemDetails(errors)
        {
            Status = 400, Type = TypeBase + "validation", Title = "The request is not valid.",
            Detail = detail ?? "See errors for what to correct in each field.",
        };

    public static ProblemDetails Validation(string field, string message) => Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemDetails Unprocessable(string type, string title, string detail, IDictionary<string, string[]>? errors = null)
    {
        var problem = errors is null ? new ProblemDetails() : new ValidationProblemDetails(errors);
        (problem.Status, problem.Type, problem.Title, problem.Detail) = (422, TypeBase + type, title, detail);
        return problem;
    }

    public static ProblemDetails Rule(RuleViolation violation)
    {
        var problem = new ProblemDetails { Status = 409, Type = RuleTypeBase + violation.Rule, Title = $"Rule: {violation.Rule.Replace('-', ' ')}", Detail = violation.Detail };
        foreach (var (name, value) in violation.Extensions) problem.Extensions[name] = value;
        return problem;
    }

    public static ProblemDetails NotFound(string what, string id) => Make(404, "not-found", $"No such {what}.", $"There is no {what} with id '{id}'.");
    public static ProblemDetails Unauthorized() => Make(401, "unauthorized", "A valid bearer token is required.", "Send 'Authorization: Bearer <token>' with a token known to FactDesk.");
    public static ProblemDetails Forbidden(string? role) => Make(403, "forbidden", "Your role may not do this.", $"The role '{role}' is not allowed to call this route.");
    public static ProblemDetails PreconditionFailed(long expected, long actual) =>
        Make(412, "precondition-failed", "The resource has changed.", $"If-Match expected version {expected} but it is at version {actual}. Reload and try again.");
    public static ProblemDetails TooLarge(long limit) => Make(413, "too-large", "The request body is too large.", $"Request bodies may be at most {limit} bytes.");
    public static ProblemDetails Unavailable() => Make(503, "database-unavailable", "The database is not answering.", "FactDesk cannot reach its database right now. Retry shortly; nothing was written.");

    /// <summary>Too many writers raced on one stream: nothing was decided, so the same request may succeed when retried.</summary>
    public static ProblemDetails TooMuchContention() =>
        Make(409, "too-much-contention", "The resource is changing too fast.", "Nothing was written. Retry the command; the same Idempotency-Key may be reused.");

    /// <summary>A refusal that says nothing about the request itself, so it must never become an idempotency key's answer.</summary>
    public static bool IsRetryable(ProblemDetails problem) => problem.Type?.EndsWith("/too-much-contention", StringComparison.Ordinal) == true;

    public static ProblemException Fail(ProblemDetails problem) => new(problem);

    public static Task Write(HttpContext context, ProblemDetails problem)
    {
        context.Response.StatusCode = problem.Status ?? 500;
        context.Response.ContentType = "application/problem+json";
        problem.Extensions["traceId"] = context.TraceIdentifier;
        return context.Response.WriteAsync(JsonSerializer.Serialize(problem, problem.GetType(), JsonDefaults.Options));
    }

    public static IResult Result(ProblemDetails problem) => new ProblemResult(problem);

    private sealed class ProblemResult(ProblemDetails problem) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => Write(httpContext, problem);
    }
}
