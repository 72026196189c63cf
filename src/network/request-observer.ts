/**
 * An optional observer of the connection layer, for metrics. The network
 * layer only reports facts (who connected, what was asked, how big, how
 * long); what to do with them (Prometheus, logs) is the caller's business,
 * so `network` stays free of any metrics library.
 */
export interface ObservedRequest {
  apiKey: number;
  apiName: string;
  apiVersion: number;
  /** The decoded request body (a Produce request carries its record batches). */
  request: unknown;
  /** The response body; null when nothing was sent (acks=0). */
  response: unknown;
  /** Frame size on the wire, size prefix included. */
  requestBytes: number;
  /** Response size on the wire, size prefix included; 0 when nothing was sent (acks=0). */
  responseBytes: number;
  /** From the frame's arrival to the response being encoded and queued. */
  seconds: number;
}

export interface RequestObserver {
  connectionOpened?(): void;
  connectionClosed?(): void;
  requestCompleted?(r: ObservedRequest): void;
}
