using System.Diagnostics;
using FactDesk.TamperEvidence;
using Npgsql;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FactDesk.Api.Telemetry;

/// <summary>
/// Metrics and traces with OpenTelemetry. <c>Telemetry:Enabled</c> (default true) switches all of it; metrics are
/// scraped by Prometheus at <c>Metrics:Url</c> (default <c>http://127.0.0.1:9464</c>, path <c>/metrics</c>; empty or
/// <c>off</c>: no listener), a management address of its own, never the public one; traces and metrics also go by
/// OTLP when <c>Telemetry:OtlpEndpoint</c> or the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
public static class TelemetrySetup
{
    public const string DefaultMetricsUrl = "http://127.0.0.1:9464";

    /// <summary>The sources of spans recorded: FactDesk's own, ASP.NET Core's and HttpClient's (by their instrumentation), Npgsql's, Marten's and Wolverine's.</summary>
    public static readonly string[] TraceSources = [FactDeskTracing.SourceName, "Npgsql", "Marten", "Wolverine"];
    /// <summary>The meters read: FactDesk's own, Marten's, Wolverine's (named <c>Wolverine:&lt;service&gt;</c>), ASP.NET Core's and HttpClient's.</summary>
    public static readonly string[] Meters = [FactDeskMetrics.MeterName, "Marten", "Wolverine:*"];

    public static bool IsEnabled(IConfiguration configuration) => configuration.GetValue("Telemetry:Enabled", true);

    /// <summary>The management address from <c>Metrics:Url</c>, or null when switched off; a malformed one stops start-up with a message.</summary>
    public static Uri? MetricsUrl(IConfiguration configuration)
    {
        var value = configuration["Metrics:Url"] ?? DefaultMetricsUrl;
        if (string.IsNullOrWhiteSpace(value) || value.Trim().Equals("off", StringComparison.OrdinalIgnoreCase)) return null;
        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttp || url.AbsolutePath != "/")
            throw new InvalidOperationException($"Metrics:Url must be an http address without a path, such as {DefaultMetricsUrl}, or \"off\"; it is \"{value}\".");
        return url;
    }

    public static WebApplicationBuilder AddFactDeskTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ProjectionLag>();
        builder.Services.AddSingleton<FactDeskMetrics>();
        // JSON logs (Logging:Console:FormatterName=json) carry the scopes, among them the trace and span ids.
        builder.Services.Configure<JsonConsoleFormatterOptions>(o => o.IncludeScopes = true);
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (!IsEnabled(builder.Configuration)) return builder;

        var configuration = builder.Configuration;
        var metricsUrl = MetricsUrl(configuration);
        if (metricsUrl is not null && !IsFree(metricsUrl))
        {
            // A second instance on the same machine with the default address: it serves without a scrape endpoint
            // (and says so) rather than failing to start; give each instance its own Metrics:Url.
            var taken = metricsUrl;
            builder.Services.AddHostedService(sp => new StartupNotice(sp.GetRequiredService<ILogger<FactDeskMetrics>>(),
                $"Metrics:Url {taken} is in use by another process: this instance serves no /metrics. Give each instance its own Metrics:Url."));
            metricsUrl = null;
        }
        var otlp = configuration["Telemetry:OtlpEndpoint"] is { Length: > 0 } configured ? configured : configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(configuration["Telemetry:ServiceName"] ?? "factdesk"))
            .WithTracing(tracing =>
            {
                tracing.AddSource(TraceSources)
                    .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/health"))
                    .AddHttpClientInstrumentation()
                    .AddNpgsql();
                if (!string.IsNullOrEmpty(otlp)) tracing.AddOtlpExporter(o => o.Endpoint = new Uri(otlp));
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(Meters).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                if (metricsUrl is not null)
                    metrics.AddPrometheusHttpListener(o =>
                    {
                        o.Host = metricsUrl.Host;
                        o.Port = metricsUrl.Port;
                        o.ScrapeEndpointPath = "/metrics";
                    });
                if (!string.IsNullOrEmpty(otlp)) metrics.AddOtlpExporter(o => o.Endpoint = new Uri(otlp));
            });
        return builder;
    }

    /// <summary>Counts appended events and measures every API command (POST, PUT, DELETE under <c>/api</c>) by its route's name and outcome.</summary>
    public static WebApplication UseFactDeskTelemetry(this WebApplication app)
    {
        var metrics = app.Services.GetRequiredService<FactDeskMetrics>();
        if (!IsEnabled(app.Configuration)) return app;
        app.Services.GetRequiredService<TamperEvidentLog>().Appended += result =>
        {
            if (!result.WasRetry && result.Events.Count > 0) metrics.EventsAppended(result.Events[0].StreamType, result.Events.Count);
        };
        app.Use(async (http, next) =>
        {
            if (!IsCommand(http.Request))
            {
                await next(http);
                return;
            }
            var started = Stopwatch.GetTimestamp();
            var failed = false;
            try { await next(http); }
            catch
            {
                failed = true; // answered 500 (or 503) by the exception handler further out
                throw;
            }
            finally
            {
                var name = http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? "unknown";
                var replayed = http.Response.Headers.ContainsKey("Idempotent-Replayed");
                var outcome = failed ? "error" : FactDeskMetrics.Outcome(http.Response.StatusCode, replayed);
                metrics.CommandAnswered(name, outcome, Stopwatch.GetElapsedTime(started));
            }
        });
        return app;
    }

    private static bool IsFree(Uri url)
    {
        var address = url.Host == "localhost" ? System.Net.IPAddress.Loopback
            : System.Net.IPAddress.TryParse(url.Host, out var parsed) ? parsed : System.Net.IPAddress.Any;
        try
        {
            var probe = new System.Net.Sockets.TcpListener(address, url.Port);
            probe.Start();
            probe.Stop();
            return true;
        }
        catch (System.Net.Sockets.SocketException) { return false; }
    }

    private sealed class StartupNotice(ILogger log, string message) : IHostedService
    {
        public Task StartAsync(CancellationToken ct)
        {
            log.LogWarning("{Notice}", message);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    }

    private static bool IsCommand(HttpRequest request) =>
        (HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsDelete(request.Method))
        && request.Path.StartsWithSegments("/api");
}
