import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSecureContext, TLSSocket } from "node:tls";

/**
 * The MySQL wire protocol as far as a TiDB Cloud endpoint serves pocket: a v10 handshake that
 * offers TLS, the in-protocol TLS upgrade (SSLRequest, then TLS on the same socket) with a
 * certificate for `localhost` from a throwaway CA, mysql_native_password authentication, and
 * COM_QUERY answered with OK or, for SHOW DATABASES, a text result set. Written out because no
 * MySQL-compatible server exists on these machines and mysql2's server side has no TLS. Clients
 * trust the CA through NODE_EXTRA_CA_CERTS, exactly as a user would add a private CA.
 */
export interface MysqlServer {
  host: string;
  port: number;
  /** The CA certificate file to put in NODE_EXTRA_CA_CERTS. */
  caFile: string;
  /** Sessions that did not upgrade to TLS before authenticating (must stay 0). */
  plaintextLogins: number;
  close(): Promise<void>;
}

export interface MysqlHandlers {
  /** The password for a user, or undefined to refuse it. */
  password(user: string): string | undefined;
  /** A statement; return rows (first column only) for a result set, undefined for OK, or throw for an error. */
  query(user: string, sql: string): string[] | undefined;
}

const CLIENT = {
  LONG_PASSWORD: 0x1,
  CONNECT_WITH_DB: 0x8,
  PROTOCOL_41: 0x200,
  SSL: 0x800,
  TRANSACTIONS: 0x2000,
  SECURE_CONNECTION: 0x8000,
  PLUGIN_AUTH: 0x80000,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 0x200000,
};
const SERVER_CAPABILITIES =
  CLIENT.LONG_PASSWORD |
  CLIENT.CONNECT_WITH_DB |
  CLIENT.PROTOCOL_41 |
  CLIENT.SSL |
  CLIENT.TRANSACTIONS |
  CLIENT.SECURE_CONNECTION |
  CLIENT.PLUGIN_AUTH |
  CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA;

export async function startMysqlServer(handlers: MysqlHandlers): Promise<MysqlServer> {
  const dir = mkdtempSync(join(tmpdir(), "pocket-mysql-tls-"));
  const ssl = (line: string) => execFileSync("openssl", line.split(" "), { cwd: dir, stdio: "pipe" });
  writeFileSync(join(dir, "san.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  ssl("req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 -subj /CN=pocket-test-CA");
  ssl("req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost");
  ssl(
    "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 1 -extfile san.cnf",
  );
  const context = createSecureContext({
    key: readFileSync(join(dir, "server.key")),
    cert: readFileSync(join(dir, "server.pem")),
  });
  const state = { plaintextLogins: 0 };
  let connectionId = 0;

  const server: Server = createServer((socket) => {
    const scramble = Buffer.from(randomBytes(20).map((b) => (b % 94) + 33)); // printable, as servers send
    const reader = packetReader(socket);
    socket.on("error", () => undefined);
    const write = (s: Socket, seq: number, payload: Buffer) => {
      const header = Buffer.alloc(4);
      header.writeUIntLE(payload.length, 0, 3);
      header[3] = seq;
      s.write(Buffer.concat([header, payload]));
    };
    write(socket, 0, handshake(++connectionId, scramble));
    reader.next(async (first) => {
      let stream: Socket = socket;
      let response = first;
      const flags = first.payload.readUInt32LE(0);
      if (flags & CLIENT.SSL && first.payload.length === 32) {
        const rest = reader.detach();
        if (rest.length) socket.unshift(rest);
        const tls = new TLSSocket(socket, { isServer: true, secureContext: context });
        tls.on("error", () => undefined);
        stream = tls as unknown as Socket;
        response = await new Promise((resolve) =>
          packetReader(tls as unknown as Socket).next(async (p) => resolve(p)),
        );
      } else {
        state.plaintextLogins++;
      }
      const { user, token } = parseHandshakeResponse(response.payload);
      const password = handlers.password(user);
      if (password === undefined || !nativeToken(password, scramble).equals(token)) {
        write(stream, response.seq + 1, error(1045, "28000", `Access denied for user '${user}'`));
        stream.end();
        return;
      }
      write(stream, response.seq + 1, ok());
      const commands = packetReader(stream);
      const loop = async (p: { seq: number; payload: Buffer }) => {
        const command = p.payload[0];
        if (command === 0x01) {
          stream.end();
          return;
        }
        if (command === 0x03) {
          const sql = p.payload.subarray(1).toString("utf8");
          let rows: string[] | undefined;
          try {
            rows = handlers.query(user, sql);
          } catch (failure) {
            write(stream, 1, error(1064, "42000", (failure as Error).message));
            commands.next(loop);
            return;
          }
          if (rows === undefined) write(stream, 1, ok());
          else {
            let seq = 1;
            write(stream, seq++, lenenc(1));
            write(stream, seq++, columnDefinition("Database"));
            write(stream, seq++, eof());
            for (const row of rows) write(stream, seq++, lenencString(row));
            write(stream, seq++, eof());
          }
        } else if (command === 0x0e) {
          write(stream, 1, ok()); // COM_PING
        } else {
          write(stream, 1, error(1047, "08S01", `unknown command ${command}`));
        }
        commands.next(loop);
      };
      commands.next(loop);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    host: "localhost",
    port: (server.address() as AddressInfo).port,
    caFile: join(dir, "ca.pem"),
    get plaintextLogins() {
      return state.plaintextLogins;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Reads whole packets, one callback per `next`; `detach` hands back unread bytes. */
function packetReader(socket: Socket) {
  let buffer = Buffer.alloc(0);
  let waiting: ((p: { seq: number; payload: Buffer }) => Promise<void>) | undefined;
  const pump = () => {
    if (!waiting || buffer.length < 4) return;
    const length = buffer.readUIntLE(0, 3);
    if (buffer.length < 4 + length) return;
    const packet = { seq: buffer[3]!, payload: buffer.subarray(4, 4 + length) };
    buffer = buffer.subarray(4 + length);
    const cb = waiting;
    waiting = undefined;
    void cb(packet);
  };
  const onData = (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    pump();
  };
  socket.on("data", onData);
  return {
    next(cb: (p: { seq: number; payload: Buffer }) => Promise<void>) {
      waiting = cb;
      pump();
    },
    detach(): Buffer {
      socket.removeListener("data", onData);
      socket.pause();
      return buffer;
    },
  };
}

function handshake(id: number, scramble: Buffer): Buffer {
  const caps = Buffer.alloc(4);
  caps.writeUInt32LE(SERVER_CAPABILITIES);
  const idBuf = Buffer.alloc(4);
  idBuf.writeUInt32LE(id);
  return Buffer.concat([
    Buffer.from([10]),
    Buffer.from("8.0.11-TiDB-v7.5.2-serverless\0"),
    idBuf,
    scramble.subarray(0, 8),
    Buffer.from([0]),
    caps.subarray(0, 2),
    Buffer.from([33]), // utf8_general_ci
    Buffer.from([0x02, 0x00]), // SERVER_STATUS_AUTOCOMMIT
    caps.subarray(2, 4),
    Buffer.from([21]),
    Buffer.alloc(10),
    scramble.subarray(8),
    Buffer.from([0]),
    Buffer.from("mysql_native_password\0"),
  ]);
}

function parseHandshakeResponse(p: Buffer): { user: string; token: Buffer } {
  let at = 32;
  const end = p.indexOf(0, at);
  const user = p.subarray(at, end).toString("utf8");
  at = end + 1;
  // A length-encoded integer (PLUGIN_AUTH_LENENC_CLIENT_DATA) or a one-byte length
  // (SECURE_CONNECTION): for a 20-byte token both are the single byte 20.
  const length = p[at]!;
  at += 1;
  return { user, token: p.subarray(at, at + length) };
}

/** mysql_native_password: SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))). */
function nativeToken(password: string, scramble: Buffer): Buffer {
  const sha1 = (b: Buffer | string) => createHash("sha1").update(b).digest();
  const stage1 = sha1(password);
  const mix = sha1(Buffer.concat([scramble, sha1(stage1)]));
  return Buffer.from(stage1.map((b, i) => b ^ mix[i]!));
}

const ok = () => Buffer.from([0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00]);
const eof = () => Buffer.from([0xfe, 0x00, 0x00, 0x02, 0x00]);
const lenenc = (n: number) => Buffer.from([n]);
const lenencString = (s: string) => Buffer.concat([lenenc(Buffer.byteLength(s)), Buffer.from(s)]);

function error(code: number, state: string, message: string): Buffer {
  const c = Buffer.alloc(2);
  c.writeUInt16LE(code);
  return Buffer.concat([Buffer.from([0xff]), c, Buffer.from(`#${state}${message}`)]);
}

function columnDefinition(name: string): Buffer {
  const tail = Buffer.alloc(13);
  tail[0] = 0x0c;
  tail.writeUInt16LE(33, 1); // charset
  tail.writeUInt32LE(256, 3); // column length
  tail[7] = 0xfd; // VAR_STRING
  tail.writeUInt16LE(1, 8); // NOT_NULL
  tail[10] = 0; // decimals
  return Buffer.concat(
    ["def", "information_schema", "SCHEMATA", "SCHEMATA", name, "SCHEMA_NAME"].map(lenencString).concat(tail),
  );
}
