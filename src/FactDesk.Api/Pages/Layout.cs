using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Text;
using FactDesk.Api.Http;
using Microsoft.AspNetCore.Antiforgery;

namespace FactDesk.Api.Pages;

/// <summary>
/// HTML building blocks. Every piece of data goes through <see cref="E"/>; markup is only ever literal text in this
/// assembly, so a quote, a source title or an actor's name can never become markup.
/// </summary>
public static class Html
{
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>
    /// Text someone typed, shown as element content: encoded and isolated in <c>&lt;bdi&gt;</c>, so right-to-left text
    /// keeps its own direction and a stray bidi control (U+202E) cannot reorder the page around it.
    /// </summary>
    public static string T(string? text) => $"<bdi>{E(text)}</bdi>";

    public static string E(object? value) => E(value switch
    {
        null => "",
        DateTimeOffset t => Time(t),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    });

    public static string Time(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A query-string value, encoded for a URL and then for the attribute it sits in.</summary>
    public static string Q(string? value) => E(Uri.EscapeDataString(value ?? ""));

    /// <summary>An outside link, only for http(s) addresses so a stored <c>javascript:</c> URL stays plain text.</summary>
    public static string OutsideLink(string? url, string? text = null) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? $"<a href=\"{E(uri.AbsoluteUri)}\" rel=\"noopener noreferrer\">{T(text ?? url)}</a>"
            : T(text ?? url);

    public static string Options(IEnumerable<string> values, string? selected, string? blank = null)
    {
        var html = new StringBuilder();
        if (blank is not null) html.Append($"<option value=\"\">{E(blank)}</option>");
        foreach (var value in values)
            html.Append($"<option value=\"{E(value)}\"{(value == selected ? " selected" : "")}>{E(value)}</option>");
        return html.ToString();
    }
}

/// <summary>What the page needs to know about the request: who reads it, the anti-forgery token, and a refused form to show again.</summary>
public sealed class PageContext(HttpContext http, FormState? failed = null)
{
    /// <summary>The query parameter a refused POST's redirect carries: the key of its flash in the page session.</summary>
    public const string RefusedParameter = "refused";

    public HttpContext Http { get; } = http;
    public FormState? Failed { get; } = failed ?? FormState.FromFlash(http);
    public Actor Actor { get; } = http.User.Actor();
    public string Role => Actor.Role;

    private string? _token;

    /// <summary>The hidden anti-forgery field every form carries (validated on each POST).</summary>
    public string AntiforgeryField()
    {
        _token ??= Http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(Http).RequestToken;
        return $"<input type=\"hidden\" name=\"__RequestVerificationToken\" value=\"{Html.E(_token)}\">";
    }

    public bool May(params string[] roles) => roles.Contains(Role);

    /// <summary>The value the reader typed when this form was refused, so nothing has to be typed twice.</summary>
    public string Value(string form, string field, string? otherwise = null) =>
        Failed is { } f && f.Form == form && f.Values is { } values && values.TryGetValue(field, out var v) ? v.ToString() : otherwise ?? "";

    /// <summary>The messages for one field of a refused form, placed next to it and named by aria-describedby.</summary>
    public string Errors(string form, string field)
    {
        if (Failed is not { } f || f.Form != form) return "";
        var messages = f.Outcome.Errors.Where(e => e.Key.Equals(field, StringComparison.OrdinalIgnoreCase) || e.Key.StartsWith(field + "[", StringComparison.OrdinalIgnoreCase))
            .SelectMany(e => e.Value).ToArray();
        return messages.Length == 0 ? "" : $"<p class=\"field-error\" id=\"{Html.E(form + "-" + field)}-error\">{Html.E(string.Join(" ", messages))}</p>";
    }

    /// <summary>
    /// The refusal message again inside its form, for whoever follows the banner's link down to it. Not an alert: the
    /// banner at the top of the page is the one announced.
    /// </summary>
    public string Refusal(string form) =>
        Failed is { } f && f.Form == form && f.Outcome.Message is { } message
            ? $"<p class=\"form-refusal\">{Html.E(message)}</p>"
            : "";

    /// <summary>
    /// The refusal at the top of the first screen: focused on load (autofocus) and a live alert, so a screen reader says it
    /// at once; it names the fields at fault and links down to the form, which still holds what was typed.
    /// </summary>
    public string RefusalBanner()
    {
        if (Failed is not { Outcome.Message: { } message } f) return "";
        var html = new StringBuilder("<div class=\"refusal\" id=\"refusal\" role=\"alert\" tabindex=\"-1\" autofocus>")
            .Append($"<p><strong>Not done — nothing was changed.</strong> {Html.E(message)}</p>");
        var fieldErrors = f.Outcome.Errors.Where(e => e.Value.Length > 0).ToList();
        if (fieldErrors.Count > 0)
        {
            html.Append("<ul>");
            foreach (var (field, messages) in fieldErrors) html.Append($"<li>{Html.E(string.Join(" ", messages))}</li>");
            html.Append("</ul>");
        }
        if (f.Anchor is { Length: > 0 } anchor)
            html.Append($"<p><a href=\"#{Html.E(anchor)}\">Go to the form</a>; what you typed is still in it.</p>");
        return html.Append("</div>").ToString();
    }

    public bool HasErrors(string form, string field) => Errors(form, field).Length > 0;

    /// <summary>A labelled text input with its error beside it.</summary>
    public string TextField(string form, string field, string label, string? value = null, bool required = false, string type = "text", bool area = false)
    {
        var id = Html.E($"{form}-{field}");
        var errors = Errors(form, field);
        var described = errors.Length > 0 ? $" aria-invalid=\"true\" aria-describedby=\"{id}-error\"" : "";
        var current = Html.E(Value(form, field, value));
        var input = area
            ? $"<textarea id=\"{id}\" name=\"{Html.E(field)}\" rows=\"3\"{(required ? " required" : "")}{described}>{current}</textarea>"
            : $"<input id=\"{id}\" name=\"{Html.E(field)}\" type=\"{Html.E(type)}\" value=\"{current}\"{(required ? " required" : "")}{described}>";
        return $"<div class=\"field\"><label for=\"{id}\">{Html.E(label)}</label>{input}{errors}</div>";
    }

    public string SelectField(string form, string field, string label, IEnumerable<string> values, string? selected = null, string? blank = null)
    {
        var id = Html.E($"{form}-{field}");
        var errors = Errors(form, field);
        var described = errors.Length > 0 ? $" aria-invalid=\"true\" aria-describedby=\"{id}-error\"" : "";
        return $"<div class=\"field\"><label for=\"{id}\">{Html.E(label)}</label><select id=\"{id}\" name=\"{Html.E(field)}\"{described}>" +
               Html.Options(values, Value(form, field, selected), blank) + $"</select>{errors}</div>";
    }
}

/// <summary>A form that was refused: which one, what was typed, why, and the id of the element that holds the form.</summary>
public sealed record FormState(string Form, IFormCollection Values, FormOutcome Outcome, string? Anchor = null)
{
    /// <summary>Fields never carried back: the anti-forgery token is issued afresh and the version is the page's current one.</summary>
    private static readonly HashSet<string> NotCarried = new(StringComparer.OrdinalIgnoreCase) { "__RequestVerificationToken", "version" };

    public PageSessions.Flash ToFlash() => new(Form, Anchor ?? "", Values.Where(v => !NotCarried.Contains(v.Key))
        .ToDictionary(v => v.Key, v => v.Value.Select(x => x ?? "").ToArray()), AfterRedirect(Outcome), Outcome.Errors);

    /// <summary>A stale form's "reload" is already done by the redirect: say so, and what to do next.</summary>
    private static string AfterRedirect(FormOutcome outcome)
    {
        const string since = " since you opened it";
        var message = outcome.Message ?? "The form was refused.";
        return outcome.Status == StatusCodes.Status412PreconditionFailed && message.IndexOf(since, StringComparison.Ordinal) is var at and > 0
            ? message[..(at + since.Length)] + ". The page now shows it as it stands: check it, then send the form again."
            : message;
    }

    /// <summary>The refused form a redirect named (<c>?refused=key</c>), taken from the page session once.</summary>
    public static FormState? FromFlash(HttpContext http)
    {
        if (!HttpMethods.IsGet(http.Request.Method) || http.Request.Query[PageContext.RefusedParameter].ToString() is not { Length: > 0 and <= 64 } key
            || http.User.FindFirstValue(PageSessions.SessionIdClaim) is not { Length: > 0 } session)
            return null;
        // Only a page that follows a refusal's redirect (?refused=) reads the table, once; the page model is synchronous.
        if (http.RequestServices.GetRequiredService<PageSessions>().TakeAsync(session, key, http.RequestAborted).GetAwaiter().GetResult() is not { } flash) return null;
        var values = new FormCollection(flash.Values.ToDictionary(v => v.Key, v => new Microsoft.Extensions.Primitives.StringValues(v.Value)));
        return new FormState(flash.Form, values, FormOutcome.Refused(200, flash.Message, flash.Errors), flash.Anchor);
    }
}

/// <summary>Writes whole pages: the shared frame (navigation, who is signed in, sign-out) around each page's body.</summary>
public static class PageResults
{
    public static IResult Page(PageContext page, string title, string body, int status = 200, params string[] scripts) =>
        new HtmlResult(status, Frame(page, title, body, scripts));

    public static string Frame(PageContext? page, string title, string body, params string[] scripts)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append($"<title>{Html.E(title)} · FactDesk</title><link rel=\"stylesheet\" href=\"/static/site.css\"><link rel=\"icon\" type=\"image/svg+xml\" href=\"/static/favicon.svg\">");
        foreach (var script in scripts) html.Append($"<script src=\"/static/{Html.E(script)}\" defer></script>");
        html.Append("</head><body><a class=\"skip\" href=\"#main\">Skip to content</a><header class=\"masthead\"><nav aria-label=\"Main\">")
            .Append("<a class=\"brand\" href=\"/\">FactDesk</a>");
        if (page is not null && page.Http.User.Identity?.IsAuthenticated == true)
        {
            html.Append("<a href=\"/\">Review queue</a><a href=\"/discrepancies\">Discrepancies</a>")
                .Append(page.May(Roles.Editor, Roles.SeniorEditor, Roles.Auditor) ? "<a href=\"/subscriptions\">Webhooks</a>" : "")
                .Append("<a href=\"/audit\">Audit</a>")
                .Append($"<span class=\"who\">{Html.T(page.Actor.Name)} <span class=\"role\">({Html.E(page.Actor.Role)})</span></span>")
                .Append($"<form method=\"post\" action=\"/signout\" class=\"inline\">{page.AntiforgeryField()}<button type=\"submit\" class=\"link\">Sign out</button></form>");
        }
        html.Append($"</nav></header><main id=\"main\" tabindex=\"-1\"><h1>{Html.E(title)}</h1>").Append(page?.RefusalBanner() ?? "").Append(body).Append("</main></body></html>");
        return html.ToString();
    }

    public static Task Forbidden(HttpContext http) =>
        new HtmlResult(403, Frame(new PageContext(http), "Not allowed",
            $"<p>Your role ({Html.E(http.User.FindFirstValue(ClaimTypes.Role))}) may not do this. Nothing was changed.</p><p><a href=\"/\">Back to the review queue</a></p>"))
            .ExecuteAsync(http);

    public static IResult Problem(PageContext page, ProblemException e) =>
        Page(page, e.Problem.Title ?? "Something is wrong", $"<p>{Html.E(e.Problem.Detail)}</p><p><a href=\"/\">Back to the review queue</a></p>",
            e.Problem.Status ?? 400);

    /// <summary>Runs a page handler so a bad id, an unknown one or an unreachable database answers a page, never a 500.</summary>
    public static async Task<IResult> Guard(HttpContext http, Func<Task<IResult>> render)
    {
        try { return await render(); }
        catch (ProblemException e) { return Problem(new PageContext(http), e); }
        catch (BadHttpRequestException e)
        {
            return Page(new PageContext(http), "The form could not be read", $"<p>{Html.E(e.StatusCode == 413 ? "The form is too large." : "The form is malformed.")} Nothing was changed.</p>", e.StatusCode);
        }
        catch (InvalidDataException)
        {
            return Page(new PageContext(http), "The form could not be read", "<p>The form has too many or too long fields. Nothing was changed.</p>", 400);
        }
        catch (Exception e) when (CommandPipeline.IsDatabaseUnavailable(e)) { return Problem(new PageContext(http), Problems.Fail(Problems.Unavailable())); }
    }

    /// <summary>Refuses a POST whose anti-forgery token is missing or wrong (a form posted from another site).</summary>
    public static async Task<IResult?> RefuseForgery(HttpContext http)
    {
        // Page routes take HTML forms only; anything else (JSON, say) belongs on the API, with a bearer token.
        if (!http.Request.HasFormContentType)
            return Page(new PageContext(http), "Form refused", "<p>This route takes a form posted from a FactDesk page. Nothing was changed.</p>", 415);
        try
        {
            await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http);
            return null;
        }
        catch (AntiforgeryValidationException)
        {
            return Page(new PageContext(http), "Form refused",
                "<p>This form could not be verified as coming from FactDesk, so nothing was changed. Reload the page and try again.</p>", 400);
        }
    }

    public static IResult SeeOther(string location) => new RedirectResult(location);

    /// <summary>
    /// A refused form, post/redirect/get: the refusal and what was typed wait in the page session, and the browser is sent
    /// back (303) to the page it was on, where the refusal shows at the top. Reloading that page never re-submits. Without
    /// a live session the page is rendered in place instead.
    /// </summary>
    public static async Task<IResult> BackWithRefusal(HttpContext http, FormState refused, string backTo, Func<PageContext, Task<IResult>> renderInPlace)
    {
        var key = http.User.FindFirstValue(PageSessions.SessionIdClaim) is { Length: > 0 } session
            ? await http.RequestServices.GetRequiredService<PageSessions>().KeepAsync(session, refused.ToFlash(), http.RequestAborted)
            : null;
        if (key is null) return await renderInPlace(new PageContext(http, refused));
        var separator = backTo.Contains('?') ? '&' : '?';
        return SeeOther($"{backTo}{separator}{PageContext.RefusedParameter}={key}");
    }

    private sealed class RedirectResult(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = StatusCodes.Status303SeeOther;
            http.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }
}

/// <summary>An HTML answer; never cached, since pages show who is signed in and live state.</summary>
public sealed class HtmlResult(int status, string html) : IResult
{
    public Task ExecuteAsync(HttpContext http)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        return http.Response.WriteAsync(html);
    }
}
