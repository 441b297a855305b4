// Emmett's PostgreSQL appendToStream in a closed loop: N concurrent writers, one event per append, expected stream
// version checked, each writer on its own streams (a new stream, then exact versions up to --events-per-stream).
// Prints one JSON line: { system, writers, seconds, events, eventsPerSecond, clientCpuMicrosPerEvent }.
//
//   node append.mjs --connection postgres://postgres@127.0.0.1:54329/factdesk_bench_emmett --writers 8 --seconds 10 --warmup 1
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { randomUUID } from 'node:crypto';
import pg from 'pg';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, word, i, all) => (word.startsWith('--') ? [...pairs, [word.slice(2), all[i + 1]]] : pairs), []),
);
const connectionString = args.connection ?? process.env.FACTDESK_BENCH_EMMETT_DB;
if (!connectionString) {
  console.error('usage: node append.mjs --connection postgres://... [--writers 8] [--seconds 10] [--warmup 1] [--events-per-stream 20]');
  process.exit(2);
}
const writers = Number(args.writers ?? 8);
const seconds = Number(args.seconds ?? 10);
const warmUpSeconds = Number(args.warmup ?? 1);
const eventsPerStream = Number(args['events-per-stream'] ?? 20);

// One connection per writer, as the .NET workloads get: pg's default pool of 10 would measure waiting for it.
const pool = new pg.Pool({ connectionString, max: writers + 2 });
const store = getPostgreSQLEventStore(connectionString, { connectionOptions: { pool } });

// The same payload as the .NET workloads: a verdict on a claim.
const note = 'The quoted unemployment figure is from the 2019 survey, not the current one; the current rate is 1.4 points higher. Sources attached.';
const nextEvent = (writer) => ({
  type: 'ClaimVerdictGiven',
  data: { claimId: randomUUID(), verdict: 'misleading', confidence: 50 + Math.floor(Math.random() * 50), note },
  metadata: { actorName: `bench-writer-${writer}`, actorRole: 'editor', correlationId: randomUUID(), causationId: randomUUID() },
});

// The first append creates Emmett's schema; then every cell starts from empty tables, flushed.
await store.appendToStream(`claim-${randomUUID()}`, [nextEvent(0)]);
await pool.query('truncate emt_messages, emt_streams');
await pool.query('checkpoint');

let stop = false;
let completed = 0;
const loops = Array.from({ length: writers }, async (_, writer) => {
  let stream = `claim-${randomUUID()}`;
  let version = 0n; // Emmett's "no stream yet"
  while (!stop) {
    const result = await store.appendToStream(stream, [nextEvent(writer)], { expectedStreamVersion: version });
    completed++;
    version = result.nextExpectedStreamVersion;
    if (version >= BigInt(eventsPerStream)) {
      stream = `claim-${randomUUID()}`;
      version = 0n;
    }
  }
});
const failed = Promise.race(loops.map((loop) => loop.then(() => new Promise(() => {}))));
const sleep = (s) => new Promise((resolve) => setTimeout(resolve, s * 1000));

await Promise.race([sleep(warmUpSeconds), failed]);
const cpuAtStart = process.cpuUsage();
const countAtStart = completed;
const clockAtStart = process.hrtime.bigint();
await Promise.race([sleep(seconds), failed]);
const countAtEnd = completed;
const elapsed = Number(process.hrtime.bigint() - clockAtStart) / 1e9;
const cpu = process.cpuUsage(cpuAtStart);
stop = true;
await Promise.all(loops);
await store.close?.();
await pool.end();

const events = countAtEnd - countAtStart;
console.log(JSON.stringify({
  system: 'emmett',
  version: '0.42',
  writers,
  seconds: elapsed,
  events,
  eventsPerSecond: events / elapsed,
  clientCpuMicrosPerEvent: events === 0 ? null : (cpu.user + cpu.system) / events,
}));
