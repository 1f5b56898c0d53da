import { type NatsConnection, requestJson, Subjects } from '@marquee/platform-bus';

export interface ExportRequest {
  userId: string;
  requestedBy: string;
  correlationId: string;
}

export interface MissingPart {
  service: string;
  reason: string;
}

export interface UserExport {
  userId: string;
  generatedAt: string;
  /** Each answering service's data, by service name. */
  services: Record<string, unknown>;
  /** Services that did not answer or failed: the export is incomplete without them. */
  missing: MissingPart[];
  complete: boolean;
}

function reasonOf(err: unknown, timeoutMs: number): string {
  const code = String((err as { code?: unknown }).code ?? '');
  if (code === '503') return 'no responder (service not running)';
  if (code === 'TIMEOUT') return `no answer within ${timeoutMs} ms`;
  return 'failed (the service reported an error)';
}

/**
 * Asks every service for its part of a user's data over NATS request/reply gdpr.export.<service>,
 * all at once, each with its own timeout. A service that does not answer is named in `missing` with a
 * generic reason; its error (which may name tables or values) goes to onFailure, for the log only.
 */
export async function gatherUserExport(
  nats: NatsConnection,
  services: string[],
  request: ExportRequest,
  timeoutMs: number,
  subjectPrefix = '',
  onFailure: (service: string, err: unknown) => void = () => {},
): Promise<UserExport> {
  const settled = await Promise.allSettled(
    services.map((s) => requestJson<unknown>(nats, `${subjectPrefix}${Subjects.gdprExport(s)}`, request, timeoutMs)),
  );
  const parts: Record<string, unknown> = {};
  const missing: MissingPart[] = [];
  settled.forEach((r, i) => {
    const service = services[i] as string;
    if (r.status === 'fulfilled') parts[service] = r.value;
    else {
      onFailure(service, r.reason);
      missing.push({ service, reason: reasonOf(r.reason, timeoutMs) });
    }
  });
  return {
    userId: request.userId,
    generatedAt: new Date().toISOString(),
    services: parts,
    missing,
    complete: missing.length === 0,
  };
}
