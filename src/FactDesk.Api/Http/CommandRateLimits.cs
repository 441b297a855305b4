using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing.Patterns;

namespace FactDesk.Api.Http;

/// <summary>
/// How many commands one principal of a role may send: a token bucket that holds <see cref="Burst"/> commands and
/// refills at <see cref="PermitsPerMinute"/>. Configured as <c>CommandRateLimits:&lt;role&gt;:PermitsPerMinute</c> and
/// <c>CommandRateLimits:&lt;role&gt;:Burst</c>.
/// </summary>
public sealed record CommandRateLimit(int PermitsPerMinute, int Burst);

/// <summary>
/// Commands (POST, PUT and DELETE under <c>/api</c>) are limited per principal, so one runaway tool or script cannot
/// crowd out the rest of the newsroom. Reads are not limited. The defaults sit far above what a desk sends (and above
/// what <c>ops/load/run</c> drives through one tool token); they are a guard against loops, not a quota.
/// </summary>
public static class CommandRateLimits
{
    public const string Policy = "commands";
    public const string Section = "CommandRateLimits";

    public static readonly IReadOnlyDictionary<string, CommandRateLimit> Defaults = new Dictionary<string, CommandRateLimit>
    {
        [Roles.Tool] = new(60_000, 3_000),
        [Roles.Editor] = new(6_000, 3_000),
        [Roles.SeniorEditor] = new(6_000, 3_000),
        [Roles.Auditor] = new(600, 100),
    };

    /// <summary>The limit of each role: the configured figures where given, else the defaults.</summary>
    public static IReadOnlyDictionary<string, CommandRateLimit> Read(IConfiguration configuration) =>
        Roles.All.ToDictionary(role => role, role =>
        {
            var section = configuration.GetSection($"{Section}:{role}");
            var fallback = Defaults[role];
            var configuredPerMinute = section.GetValue<int?>(nameof(CommandRateLimit.PermitsPerMinute));
            var perMinute = configuredPerMinute ?? fallback.PermitsPerMinute;
            // A role given only a rate may send a minute's worth at once; an unconfigured role keeps its default burst.
            var burst = section.GetValue<int?>(nameof(CommandRateLimit.Burst)) ?? (configuredPerMinute is null ? fallback.Burst : perMinute);
            if (perMinute < 1 || burst < 1)
                throw new InvalidOperationException($"{Section}:{role}: PermitsPerMinute and Burst must be at least 1.");
            return new CommandRateLimit(perMinute, burst);
        });

    public static IServiceCollection AddCommandRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = Read(configuration);
        return services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(Policy, http => Partition(http, limits));
            options.OnRejected = (rejected, _) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString();
                return new ValueTask(Problems.Write(rejected.HttpContext, TooManyCommands(rejected.HttpContext.User.Actor(), seconds)));
            };
        });
    }

    private static RateLimitPartition<string> Partition(HttpContext http, IReadOnlyDictionary<string, CommandRateLimit> limits)
    {
        // Every command route requires a role, and the limiter runs after authorization: an anonymous request never gets here.
        if (http.User.Identity?.IsAuthenticated != true) return RateLimitPartition.GetNoLimiter("anonymous");
        var actor = http.User.Actor();
        if (!limits.TryGetValue(actor.Role, out var limit)) return RateLimitPartition.GetNoLimiter("no-role");
        return RateLimitPartition.GetTokenBucketLimiter(actor.Name, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit.Burst,
            // One token per period, so Retry-After is the wait for the next command rather than for a whole minute.
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromTicks(Math.Max(1, TimeSpan.TicksPerMinute / limit.PermitsPerMinute)),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    public static Microsoft.AspNetCore.Mvc.ProblemDetails TooManyCommands(Actor actor, int retryAfterSeconds) =>
        Problems.Make(429, "too-many-commands", "Too many commands from this principal.",
            $"'{actor.Name}' ({actor.Role}) has sent more commands than its role may send; nothing was written. Retry after {retryAfterSeconds} s.");

    /// <summary>True for a route that writes: POST, PUT, PATCH or DELETE under <c>/api</c>.</summary>
    public static bool IsCommandRoute(EndpointBuilder endpoint) =>
        endpoint is RouteEndpointBuilder route
        && route.RoutePattern.PathSegments is [{ Parts: [RoutePatternLiteralPart { Content: "api" }] }, ..]
        && endpoint.Metadata.OfType<HttpMethodMetadata>().Any(m => m.HttpMethods.Any(method => method is "POST" or "PUT" or "PATCH" or "DELETE"));

    /// <summary>Puts every command route mapped through <paramref name="routes"/> under the <see cref="Policy"/> limiter, and no other route.</summary>
    public static TBuilder LimitCommands<TBuilder>(this TBuilder routes) where TBuilder : IEndpointConventionBuilder
    {
        routes.Finally(endpoint =>
        {
            if (!IsCommandRoute(endpoint)) return;
            endpoint.Metadata.Add(new EnableRateLimitingAttribute(Policy));
            endpoint.Metadata.Add(new ProducesResponseTypeMetadata(429, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]));
        });
        return routes;
    }
}
