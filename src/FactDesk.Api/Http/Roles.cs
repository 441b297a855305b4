namespace FactDesk.Api.Http;

/// <summary>The four roles of the contract and the policies built from them (each role can do what the one before can).</summary>
public static class Roles
{
    public const string Tool = "tool";
    public const string Editor = "editor";
    public const string SeniorEditor = "senior-editor";
    public const string Auditor = "auditor";
    public static readonly string[] All = [Tool, Editor, SeniorEditor, Auditor];

    /// <summary>Policy names: who may call a route.</summary>
    public static class May
    {
        public const string Read = "read";
        public const string Flag = "flag";      // tools and up: ingest, flag, attach sources, open discrepancies
        public const string Edit = "edit";      // editors and up
        public const string SignOff = "sign-off"; // senior editors: approve, reject, publish
        public const string Oversee = "oversee"; // editors and auditors: webhook targets and deliveries are not for tools
    }
}

/// <summary>Who did something: the principal's name and role, as stored on every event.</summary>
public sealed record Actor(string Name, string Role);
