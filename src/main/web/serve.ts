/**
 * `npm run serve`: the workstation in a browser. Prints a URL with a one-time token.
 *   node out/main/serve.js [--project file.kinema] [--port N]
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { appVersion, builtPaths } from '../paths';
import { defaultCacheDir, Workstation } from '../workstation';
import { startWebServer } from './server';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      project: { type: 'string' },
      port: { type: 'string', default: process.env.KINEMA_PORT ?? '5178' },
    },
  });
  const workstation = new Workstation({
    version: appVersion,
    workerPath: builtPaths.jobWorker,
    cacheDir: defaultCacheDir(),
  });
  if (values.project) {
    try {
      // A project that does not exist yet is created: `serve --project new.kinema` just works.
      await workstation.openProject(values.project, !existsSync(values.project));
    } catch (err) {
      console.error(`Cannot open project: ${(err as Error).message}`);
      process.exit(2);
    }
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a number from 0 to 65535, got ${values.port}`);
    process.exit(2);
  }
  const server = await startWebServer(workstation, { rendererDir: builtPaths.rendererDir, port }).catch(
    (err: Error) => {
      console.error(
        `Cannot start the web server on 127.0.0.1:${port}: ${err.message} (try --port 0 for any free port)`,
      );
      process.exit(2);
    },
  );
  console.log(`Kinema ${appVersion} web mode`);
  console.log(`Open ${server.url}`);
  console.log('Only this machine can connect; the token in the link is required. Ctrl+C stops.');
  const stop = async () => {
    await server.close();
    await workstation.closeProject();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

void main();
