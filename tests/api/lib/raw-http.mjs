// A lean HTTP/1.1 keep-alive client on a bare socket, for load tests: the
// request bytes are built once, and an answer is read only as far as its
// status, its headers and the end of its body (Content-Length or chunked).
// node:http spends more CPU per request than the servers under test do on
// a refused one; on a 2-core machine that would measure the client.
import net from 'node:net';

/** A request's bytes: `method path`, the headers given, and `body` (a string) if any. */
export function requestBytes(url, method, path, headers = {}, body = null) {
  const { host } = new URL(url);
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${host}`, 'Connection: keep-alive'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  const payload = body === null ? Buffer.alloc(0) : Buffer.from(body);
  if (body !== null) lines.push(`Content-Length: ${payload.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), payload]);
}

/** One keep-alive connection; requests go one after another. */
export class RawConnection {
  constructor(url) {
    const { hostname, port } = new URL(url);
    this.socket = net.connect({ host: hostname, port: Number(port), noDelay: true });
    this.buffer = Buffer.alloc(0);
    this.waiting = null;
    this.socket.on('data', (chunk) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.#parse();
    });
    const fail = (error) => {
      const waiting = this.waiting;
      this.waiting = null;
      waiting?.reject(error ?? new Error('the connection closed'));
    };
    this.socket.on('error', fail);
    this.socket.on('close', () => fail(null));
  }

  /** Sends `bytes`; resolves to {status, headers} (header names lowercased) once the body has ended. */
  send(bytes) {
    if (this.waiting) throw new Error('one request at a time on a RawConnection');
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(bytes);
    });
  }

  close() {
    this.socket.destroy();
  }

  #parse() {
    if (!this.waiting) return;
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(head[0].split(' ')[1]);
    const headers = {};
    for (const line of head.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let rest = end + 4;
    if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (this.buffer.length < rest + length) return;
      rest += length;
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      for (;;) {
        const lineEnd = this.buffer.indexOf('\r\n', rest);
        if (lineEnd < 0) return;
        const size = parseInt(this.buffer.subarray(rest, lineEnd).toString('latin1'), 16);
        if (this.buffer.length < lineEnd + 2 + size + 2) return;
        rest = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
    }
    this.buffer = this.buffer.subarray(rest);
    const waiting = this.waiting;
    this.waiting = null;
    waiting.resolve({ status, headers });
  }
}
