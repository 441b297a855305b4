using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Mvc;

namespace FactDesk.Api.Http;

/// <summary>
/// Counts failed sign-ins (unknown bearer tokens, wrong tokens on the sign-in page) per client address and the
/// credential's first characters, so guessing is slow while nobody else is locked out: a valid token or session is
/// never refused here, a colleague behind the same address who mistypes their own token still gets a plain 401, and
/// each address has a wider limit over all its failures. The address is the connection's peer, or the client named
/// by X-Forwarded-For when the peer is a configured proxy (<c>ForwardedHeaders:KnownProxies</c>/<c>KnownNetworks</c>).
/// The table is bounded: past <see cref="MaxTracked"/> entries the stale ones go, then the oldest.
/// </summary>
public sealed class SignInThrottle(TimeProvider clock)
{
    /// <summary>Failures within the window for one address and credential prefix.</summary>
    public const int MaxFailures = 20;
    /// <summary>Failures within the window for one address over all credentials.</summary>
    public const int MaxFailuresPerAddress = 200;
    public const int MaxTracked = 10_000;
    /// <summary>Characters of the credential that tell one person's typo from another's.</summary>
    public const int PrefixLength = 8;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Failures> _failures = new(StringComparer.Ordinal);
    private readonly object _pruning = new();

    private sealed class Failures
    {
        public int Count;
        public DateTimeOffset WindowStart;
    }

    public int Tracked => _failures.Count;

    public static string ClientAddress(HttpContext http) => (http.Connection.RemoteIpAddress ?? IPAddress.None).ToString();

    /// <summary>The key of a credential's failures: the address and a digest of its first characters (never the characters).</summary>
    public static string CredentialKey(string address, string credential)
    {
        var prefix = credential.Length > PrefixLength ? credential[..PrefixLength] : credential;
        var digest = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(prefix));
        return address + "|" + Convert.ToHexStringLower(digest.AsSpan(0, 8));
    }

    /// <summary>True when this address has failed too often with credentials that begin like this one, or too often in all.</summary>
    public bool IsBlocked(string address, string credential, out TimeSpan retryAfter)
    {
        var byCredential = Blocked(CredentialKey(address, credential), MaxFailures, out var credentialWait);
        var byAddress = Blocked(address, MaxFailuresPerAddress, out var addressWait);
        retryAfter = byCredential && byAddress ? TimeSpan.FromTicks(Math.Max(credentialWait.Ticks, addressWait.Ticks)) : byCredential ? credentialWait : addressWait;
        return byCredential || byAddress;
    }

    public void RecordFailure(string address, string credential)
    {
        Count(CredentialKey(address, credential));
        Count(address);
    }

    private bool Blocked(string key, int limit, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!_failures.TryGetValue(key, out var failures)) return false;
        lock (failures)
        {
            var elapsed = clock.GetUtcNow() - failures.WindowStart;
            if (elapsed >= Window) return false;
            retryAfter = Window - elapsed;
            return failures.Count >= limit;
        }
    }

    private void Count(string key)
    {
        if (!_failures.ContainsKey(key) && _failures.Count >= MaxTracked) MakeRoom();
        var failures = _failures.GetOrAdd(key, _ => new Failures { WindowStart = clock.GetUtcNow() });
        lock (failures)
        {
            if (clock.GetUtcNow() - failures.WindowStart >= Window) (failures.Count, failures.WindowStart) = (0, clock.GetUtcNow());
            failures.Count++;
        }
    }

    /// <summary>Drops entries whose window has passed, then, under a spray of addresses, the oldest tenth.</summary>
    private void MakeRoom()
    {
        lock (_pruning)
        {
            if (_failures.Count < MaxTracked) return;
            var now = clock.GetUtcNow();
            foreach (var stale in _failures.Where(f => now - f.Value.WindowStart >= Window).Select(f => f.Key).ToList())
                _failures.TryRemove(stale, out _);
            if (_failures.Count < MaxTracked * 9 / 10) return;
            foreach (var oldest in _failures.OrderBy(f => f.Value.WindowStart).Take(MaxTracked / 10).Select(f => f.Key).ToList())
                _failures.TryRemove(oldest, out _);
        }
    }

    public static ProblemDetails TooManyFailures(TimeSpan retryAfter) => Problems.Make(429, "too-many-failed-sign-ins", "Too many failed sign-ins.",
        $"Too many unknown tokens like this one from this client; retry after {(int)Math.Ceiling(retryAfter.TotalSeconds)} s. A valid token is never refused.");
}

public static class SecurityMiddleware
{
    /// <summary>Headers every answer carries: no framing, no MIME sniffing, a strict content policy for the pages.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
                                            "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
            return Task.CompletedTask;
        });
        await next();
    });
}
