using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;

namespace FactDesk.TamperEvidence;

/// <summary>Maps event classes to their stored type names and back, and (de)serializes their data.</summary>
public sealed class EventTypeRegistry
{
    private readonly ConcurrentDictionary<string, Type> _byName = new();
    private readonly ConcurrentDictionary<Type, string> _byType = new();

    public EventTypeRegistry(JsonSerializerOptions json) => Json = json;

    public JsonSerializerOptions Json { get; }

    /// <summary>Registers every class in the assembly carrying <see cref="EventTypeAttribute"/>.</summary>
    public EventTypeRegistry RegisterAssembly(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes())
        {
            var attribute = type.GetCustomAttribute<EventTypeAttribute>();
            if (attribute is not null) Register(type, attribute.Name);
        }
        return this;
    }

    public EventTypeRegistry Register(Type type, string name)
    {
        if (_byName.TryGetValue(name, out var existing) && existing != type)
            throw new InvalidOperationException($"Event type name '{name}' is used by both {existing} and {type}.");
        _byName[name] = type;
        _byType[type] = name;
        return this;
    }

    public string NameOf(Type type) =>
        _byType.TryGetValue(type, out var name)
            ? name
            : throw new InvalidOperationException($"{type} is not a registered event type; mark it with [EventType(\"name.v1\")].");

    public bool TryGetType(string name, out Type type) => _byName.TryGetValue(name, out type!);

    /// <summary>Every registered class with its stored name.</summary>
    public IReadOnlyCollection<KeyValuePair<Type, string>> All => _byType.ToArray();

    /// <summary>Every registered stored name, such as <c>claim-flagged.v1</c>.</summary>
    public IReadOnlyCollection<string> Names => _byName.Keys.ToArray();

    public string Serialize(object data) => JsonSerializer.Serialize(data, data.GetType(), Json);

    /// <summary>Deserializes stored data; an unknown type name yields the raw <see cref="JsonElement"/>.</summary>
    public object Deserialize(string name, JsonElement data) =>
        _byName.TryGetValue(name, out var type) ? data.Deserialize(type, Json)! : data.Clone();
}
