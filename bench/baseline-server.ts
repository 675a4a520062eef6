// The baselines the report webhook is measured against, each in a process of its own:
//   bare  - Express parses the JSON and answers 200: the ceiling of the HTTP stack alone;
//   naive - one PostgreSQL transaction per report (BEGIN, INSERT, COMMIT), no dedup, no queue.
// Usage: node --import tsx bench/baseline-server.ts bare|naive PORT [DATABASE_URL]
import express from 'express';
import pg from 'pg';

const [mode, port, databaseUrl] = process.argv.slice(2);
const app = express();
app.use(express.json({ limit: '64kb', type: () => true }));
if (mode === 'bare') {
  app.post('/pbx/reports/:secret', (_req, res) => {
    res.json({ status: 'Success' });
  });
} else {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
  await pool.query('CREATE TABLE IF NOT EXISTS bench_naive_report (id bigserial PRIMARY KEY, received_at timestamptz NOT NULL DEFAULT now(), body jsonb NOT NULL)');
  app.post('/pbx/reports/:secret', async (req, res) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO bench_naive_report (body) VALUES ($1)', [JSON.stringify(req.body)]);
      await client.query('COMMIT');
      res.json({ status: 'Success' });
    } finally {
      client.release();
    }
  });
}
app.listen(Number(port), '127.0.0.1', () => console.log('ready'));
