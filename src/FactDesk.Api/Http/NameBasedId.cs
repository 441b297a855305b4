using System.Security.Cryptography;
using System.Text;

namespace FactDesk.Api.Http;

/// <summary>
/// A UUID version 8 made from a name (the first 16 bytes of its SHA-256): the same name always gives the same id, so
/// a retried or repeated command lands on the stream or event it made the first time.
/// </summary>
public static class NameBasedId
{
    public static Guid From(string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(name));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8: name-based, custom hash
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
