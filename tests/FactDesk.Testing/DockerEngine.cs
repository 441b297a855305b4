using System.Net.Sockets;
using System.Text.Json;

namespace FactDesk.Testing;

/// <summary>Whether a Docker engine answers at an endpoint (unix:// or tcp://), asked directly with GET /version.</summary>
public sealed record DockerEngine(bool Answers, string? ApiVersion, string? Problem, bool OnThisMachine = false)
{
    public static async Task<DockerEngine> ProbeAsync(string endpoint, TimeSpan? timeout = null)
    {
        Uri uri;
        try { uri = new Uri(endpoint); }
        catch (UriFormatException) { return new DockerEngine(false, null, $"'{endpoint}' is not an endpoint"); }
        if (uri.Scheme == "unix" && !File.Exists(uri.AbsolutePath)) return new DockerEngine(false, null, $"no socket at {uri.AbsolutePath}");
        if (uri.Scheme is not ("unix" or "tcp" or "http")) return new DockerEngine(false, null, $"unsupported endpoint {endpoint}");
        using var http = Client(endpoint, timeout ?? TimeSpan.FromSeconds(5));
        try
        {
            using var version = JsonDocument.Parse(await http.GetStringAsync("version"));
            return new DockerEngine(true, version.RootElement.TryGetProperty("ApiVersion", out var api) ? api.GetString() : null, null, uri.Scheme == "unix");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException or JsonException)
        {
            return new DockerEngine(false, null, e.Message);
        }
    }

    /// <summary>
    /// What Testcontainers 4.16 needs against an engine like Debian's dockerd 20.10, unless the environment says
    /// otherwise: the engine's own API version when older than the client's default; no Ryuk reaper (its image may
    /// not be pullable; ops/test removes containers left by killed test processes instead); the published ports on
    /// 127.0.0.1 when the engine runs on this machine.
    /// </summary>
    public void ConfigureTestcontainers()
    {
        if (ApiVersion is not null && Version.TryParse(ApiVersion, out var api) && api < new Version(1, 44))
            SetUnlessSet("DOCKER_API_VERSION", ApiVersion);
        SetUnlessSet("TESTCONTAINERS_RYUK_DISABLED", "true");
        if (OnThisMachine) SetUnlessSet("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1");
    }

    private static void SetUnlessSet(string name, string value)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name))) Environment.SetEnvironmentVariable(name, value);
    }

    /// <summary>Removes a container (running or not) with its anonymous volumes; synchronous, for process exit.</summary>
    public static bool RemoveContainer(string endpoint, string id)
    {
        try
        {
            using var http = Client(endpoint, TimeSpan.FromSeconds(15));
            using var request = new HttpRequestMessage(HttpMethod.Delete, $"containers/{id}?force=true&v=true");
            using var response = http.Send(request);
            return response.IsSuccessStatusCode || response.StatusCode == System.Net.HttpStatusCode.NotFound;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException or InvalidOperationException)
        {
            return false;
        }
    }

    private static HttpClient Client(string endpoint, TimeSpan timeout)
    {
        var uri = new Uri(endpoint);
        var handler = new SocketsHttpHandler();
        Uri baseAddress;
        switch (uri.Scheme)
        {
            case "unix":
                handler.ConnectCallback = async (_, cancel) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    try
                    {
                        await socket.ConnectAsync(new UnixDomainSocketEndPoint(uri.AbsolutePath), cancel);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                };
                baseAddress = new Uri("http://docker/");
                break;
            case "tcp" or "http":
                baseAddress = new Uri($"http://{uri.Authority}/");
                break;
            default:
                handler.Dispose();
                throw new InvalidOperationException($"unsupported Docker endpoint {endpoint}");
        }
        return new HttpClient(handler, disposeHandler: true) { BaseAddress = baseAddress, Timeout = timeout };
    }
}
