using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace FactDesk.Api.Hosting;

/// <summary>
/// X-Forwarded-For and X-Forwarded-Proto are believed only from the proxies named under <c>ForwardedHeaders:</c>
/// (<c>KnownProxies</c>: addresses, <c>KnownNetworks</c>: CIDR blocks); from anyone else they are ignored, so a client
/// cannot pose as another address. None are trusted by default, loopback included.
/// </summary>
public static class ForwardedHeadersSetup
{
    public static WebApplicationBuilder AddTrustedProxies(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("ForwardedHeaders");
        var proxies = section.GetSection("KnownProxies").Get<string[]>() ?? [];
        var networks = section.GetSection("KnownNetworks").Get<string[]>() ?? [];
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var proxy in proxies)
                options.KnownProxies.Add(IPAddress.TryParse(proxy, out var address) ? address
                    : throw new InvalidOperationException($"ForwardedHeaders:KnownProxies: '{proxy}' is not an IP address."));
            foreach (var network in networks)
                options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network, out var block) ? block
                    : throw new InvalidOperationException($"ForwardedHeaders:KnownNetworks: '{network}' is not a CIDR block."));
            // Each trusted proxy in the chain peels one address off X-Forwarded-For; an untrusted hop stops it.
            options.ForwardLimit = null;
        });
        return builder;
    }
}
