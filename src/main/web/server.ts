/**
 * Web mode: serves the built renderer and the same contract handlers over a WebSocket, on
 * 127.0.0.1 only, behind a per-run token. The page gets the token once in its URL.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { events, type EventName } from '../../shared/contract';
import { decodeMessage, encodeMessage, type ClientMessage } from '../../shared/wire';
import { handleRequest } from '../api/handlers';
import type { Workstation } from '../workstation';

export interface WebServerOptions {
  rendererDir: string;
  port?: number;
  token?: string;
}

export interface WebServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const HOST = '127.0.0.1';

function csp(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    `connect-src 'self' ws://${HOST}:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startWebServer(
  workstation: Workstation,
  options: WebServerOptions,
): Promise<WebServer> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  let port = 0;
  const allowedHosts = () => new Set([`${HOST}:${port}`, `localhost:${port}`]);

  async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    let rel = decodeURIComponent(url.pathname);
    if (rel === '/' || rel === '') rel = '/index.html';
    const full = normalize(join(options.rendererDir, rel));
    if (!full.startsWith(options.rendererDir + sep)) {
      res.writeHead(403).end('Forbidden');
      return;
    }
    let body: Buffer;
    try {
      body = await readFile(full);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
      return;
    }
    if (rel === '/index.html') {
      // The bridge stands in for the Electron preload: it must run before the app's module.
      body = Buffer.from(
        body.toString().replace('<head>', '<head>\n    <script type="module" src="/web-bridge.js"></script>'),
      );
    }
    res.writeHead(200, {
      'Content-Type': MIME[extname(full)] ?? 'application/octet-stream',
      'Content-Security-Policy': csp(port),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    });
    res.end(body);
  }

  const server: Server = createServer((req, res) => {
    // A foreign Host header means DNS rebinding: another site's page reaching our port.
    if (!allowedHosts().has(req.headers.host ?? '')) {
      res.writeHead(421).end('Misdirected request');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end('Method not allowed');
      return;
    }
    void serveStatic(req, res).catch(() => res.writeHead(500).end('Server error'));
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 << 20 });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    const origin = req.headers.origin;
    const originOk = !origin || [...allowedHosts()].some((h) => origin === `http://${h}`);
    if (
      url.pathname !== '/api' ||
      !allowedHosts().has(req.headers.host ?? '') ||
      !originOk ||
      !sameToken(url.searchParams.get('token') ?? '', token)
    ) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws));
  });

  const unsubscribers = (Object.keys(events) as EventName[]).map((name) =>
    workstation.on(name, (payload) => {
      const data = encodeMessage({ type: 'event', name, payload });
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(data);
    }),
  );

  wss.on('connection', (ws) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', async (raw, isBinary) => {
      let message: ClientMessage;
      try {
        if (!isBinary) throw new Error('text frames are not part of the protocol');
        message = decodeMessage(new Uint8Array(raw as Buffer)) as ClientMessage;
        if (message?.type !== 'request' || typeof message.id !== 'number') throw new Error('not a request');
      } catch (err) {
        ws.close(1003, `Bad message: ${(err as Error).message}`);
        return;
      }
      const envelope = await handleRequest(workstation, message.name, message.input);
      if (ws.readyState === ws.OPEN) ws.send(encodeMessage({ type: 'response', id: message.id, envelope }));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => resolve());
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    port,
    token,
    async close() {
      unsubscribers.forEach((u) => u());
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
