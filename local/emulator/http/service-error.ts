/** An error answered in the protocol of the service that raised it (XML for STS, JSON for the others). */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
