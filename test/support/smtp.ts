import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server on loopback (smtp-server) that parses what it receives with mailparser. It can be
 * stopped and started again on the same port to test "SMTP down, then up".
 */
export interface SmtpCatcher {
  readonly port: number;
  readonly messages: ParsedMail[];
  /** `smtp://user:pass@127.0.0.1:port` with the catcher's credentials. */
  readonly url: string;
  /** Answer the next DATA commands with these SMTP errors (e.g. 451, 550). */
  failNext(...codes: number[]): void;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export const SMTP_USER = 'flowtel';
export const SMTP_PASSWORD = 'sm7p-S3cret-P4ss';

export async function startSmtpServer(port = 0): Promise<SmtpCatcher> {
  const messages: ParsedMail[] = [];
  const failures: number[] = [];
  let server: SMTPServer | undefined;
  let boundPort = port;

  const listen = async () => {
    const s = new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      closeTimeout: 100,
      onAuth(auth, _session, callback) {
        if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD)
          callback(null, { user: SMTP_USER });
        else callback(new Error('Invalid username or password'));
      },
      onData(stream, _session, callback) {
        const code = failures.shift();
        simpleParser(stream)
          .then((mail) => {
            if (code !== undefined) {
              callback(Object.assign(new Error(`scripted failure ${code}`), { responseCode: code }));
              return;
            }
            messages.push(mail);
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(boundPort, '127.0.0.1', () => resolve());
    });
    boundPort = (s.server.address() as AddressInfo).port;
    server = s;
  };

  await listen();
  return {
    get port() {
      return boundPort;
    },
    get url() {
      return `smtp://${SMTP_USER}:${encodeURIComponent(SMTP_PASSWORD)}@127.0.0.1:${boundPort}`;
    },
    messages,
    failNext: (...codes) => failures.push(...codes),
    stop: async () => {
      const s = server;
      server = undefined;
      if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    start: listen,
  };
}
