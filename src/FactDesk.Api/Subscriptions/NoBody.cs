using FactDesk.Api.Http;

namespace FactDesk.Api.Subscriptions;

/// <summary>The body of a command that needs none (removing a subscription, asking for a redelivery): any JSON object, or nothing.</summary>
public sealed record NoBody : IValidatable
{
    public void Validate(Validation check) { }

    /// <summary>
    /// The shared command pipeline reads a JSON body for idempotency and parsing; a DELETE or a bare POST carries none,
    /// so an absent body is read as <c>{}</c> (and a retry with the same key still hashes the same).
    /// </summary>
    public static void ReadMissingAsEmptyObject(HttpRequest request)
    {
        var absent = request.ContentLength == 0 || request.ContentLength is null && request.Headers.TransferEncoding.Count == 0;
        if (!absent) return;
        request.Body = new MemoryStream("{}"u8.ToArray());
        request.ContentLength = 2;
        request.ContentType = "application/json";
    }
}
