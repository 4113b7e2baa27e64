/**
 * Keep-alive agents for the upstream client that also notice a response cut off mid-body.
 *
 * node-fetch v2 pipes the response (IncomingMessage) into a PassThrough, and `pipe` does not
 * forward errors: when the connection is reset after the headers of a Content-Length response,
 * the body stream neither ends nor fails, and `res.text()` waits until the request's timeout.
 * (node-fetch only patches this for chunked responses.) These agents watch every response they
 * carry; one that closes before it is complete fails its request with ECONNRESET, which
 * node-fetch turns into a failed body read at once: a `network` failure, not a `timeout` that
 * held a connection slot for the whole budget.
 */
import http from 'node:http';
import https from 'node:https';

type AddRequest = (req: http.ClientRequest, options: unknown) => void;

function watchResponses<A extends http.Agent>(agent: A): A {
  const target = agent as unknown as { addRequest: AddRequest };
  const addRequest = target.addRequest.bind(agent);
  target.addRequest = (req, options) => {
    req.once('response', (res: http.IncomingMessage) => {
      res.once('close', () => {
        if (res.complete || req.listenerCount('error') === 0) return;
        const err = Object.assign(new Error('connection closed before the response body was complete'), { code: 'ECONNRESET' });
        req.emit('error', err);
      });
    });
    addRequest(req, options);
  };
  return agent;
}

/** An http.Agent whose responses fail promptly when cut off mid-body. */
export function httpAgent(options: http.AgentOptions): http.Agent {
  return watchResponses(new http.Agent(options));
}

/** An https.Agent whose responses fail promptly when cut off mid-body. */
export function httpsAgent(options: https.AgentOptions): https.Agent {
  return watchResponses(new https.Agent(options));
}
