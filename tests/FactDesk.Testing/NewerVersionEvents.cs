using Npgsql;

namespace FactDesk.Testing;

/// <summary>Events as a newer version of the service writes them, for tests of what this build does with them.</summary>
public static class NewerVersionEvents
{
    /// <summary>
    /// Appends <paramref name="count"/> events in one new stream through Marten's own function, of a type (and class)
    /// this build does not have: Marten's daemon never hands them over, yet they are rows of the log like any other.
    /// </summary>
    public static async Task AppendEventsOfAnUnknownTypeAsync(this NpgsqlDataSource db, int count)
    {
        await using var cmd = db.CreateCommand("""
            select factdesk.mt_quick_append_events(gen_random_uuid(), 'desk-note', null,
                array(select gen_random_uuid() from generate_series(1, $1)), array_fill('desk-note-added.v1'::varchar, array[$1]),
                array_fill('FactDesk.Api.Notes.DeskNoteAdded, FactDesk.Api'::varchar, array[$1]),
                array(select jsonb_build_object('note', 'from a newer version', 'n', n) from generate_series(1, $1) n), array_fill(null::bytea, array[$1]),
                array_fill('c'::varchar, array[$1]), array_fill('c'::varchar, array[$1]),
                array_fill('{"actorName": "newer", "actorRole": "editor"}'::jsonb, array[$1]), 0)
            """);
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = count });
        await cmd.ExecuteScalarAsync();
    }
}
