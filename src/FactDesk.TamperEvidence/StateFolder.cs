using System.Collections.Concurrent;
using System.Reflection;

namespace FactDesk.TamperEvidence;

/// <summary>
/// Builds state from events by calling the state's <c>Apply(TEvent)</c> methods, each returning the next state.
/// The first event goes to a static <c>Create(TEvent)</c> on the state type. Events without a method are skipped.
/// </summary>
public sealed class StateFolder<TState> where TState : class
{
    private readonly ConcurrentDictionary<Type, Func<TState?, object, TState?>> _steps = new();

    public static StateFolder<TState> Instance { get; } = new();

    public TState? Fold(IEnumerable<RecordedEvent> events) => events.Aggregate((TState?)null, (state, e) => Apply(state, e.Data));

    public TState? Fold(IEnumerable<object> events) => events.Aggregate((TState?)null, Apply);

    public TState? Apply(TState? state, object @event) => _steps.GetOrAdd(@event.GetType(), Build)(state, @event);

    private static Func<TState?, object, TState?> Build(Type eventType)
    {
        var create = typeof(TState).GetMethod("Create", BindingFlags.Public | BindingFlags.Static, [eventType]);
        var apply = typeof(TState).GetMethod("Apply", BindingFlags.Public | BindingFlags.Instance, [eventType]);
        return (state, e) => state is null
            ? create is not null ? (TState?)create.Invoke(null, [e]) : null
            : apply is not null ? (TState?)apply.Invoke(state, [e]) : state;
    }
}
