using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace FactDesk.Testing;

/// <summary>
/// A bare web server for a test to stand in for someone else's (a webhook subscriber, an identity provider): Kestrel on
/// 127.0.0.1 at a free port, silent. Map its routes, then start it; its address is <c>Urls.Single()</c> once started.
/// </summary>
public static class LoopbackApp
{
    public static WebApplication Create()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        return builder.Build();
    }
}
