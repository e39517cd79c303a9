/**
 * `tessella serve`: browser mode on 127.0.0.1 until interrupted. A long-running host, so its
 * context is a browser one (not the CLI's): the server starts the analysis queue and takes over
 * what a crashed session left.
 */
import { CliError, type CliCommand } from '../command.js';
import { createAppContext } from '../../app-context.js';
import { startServer } from '../../serve.js';
import { ensureRendererBuilt } from '../../renderer-dist.js';

export const serveCommand: CliCommand = {
  path: ['serve'],
  summary: 'Open Tessella in a browser: serves the UI and API on 127.0.0.1',
  options: { port: { type: 'number', description: 'port (default: a free one)' } },
  async run({ options, io }) {
    const port = options.port as number | undefined;
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new CliError('--port must be 0..65535', 2);
    const staticDir = ensureRendererBuilt(io.info);
    const ctx = createAppContext({ host: 'browser' });
    try {
      const server = await startServer(ctx, { port, staticDir });
      if (io.json) process.stdout.write(JSON.stringify({ url: server.url, port: server.port, home: ctx.home.root }) + '\n');
      else process.stdout.write(`Tessella is running at ${server.url}\nData home: ${ctx.home.root}\nPress Ctrl+C to stop.\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
    } finally {
      ctx.close();
    }
    return undefined;
  },
};
