import { connect } from 'node:net';

/**
 * A loopback port where connections are refused, for "the endpoint is unreachable". Not one found by
 * listening on port 0 and closing again: the kernel hands freed ports out again, and another test's
 * server (or the exporter's own outgoing socket) may hold it by the time it is used. Port 1 is below
 * the ephemeral range, so the kernel never gives it to anyone; it is checked to refuse before use.
 * `fetch` will not connect to port 1 at all (a "bad port" of the Fetch standard): its clients use port 2.
 */
export async function refusedPort(port = 1): Promise<number> {
  const refused = await new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
  if (!refused) throw new Error(`something answers on 127.0.0.1:${port}: the test needs a port that refuses`);
  return port;
}
