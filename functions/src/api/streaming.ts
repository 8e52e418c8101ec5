/**
 * Writing a large response a piece at a time, with back-pressure: `write` resolves once the socket has taken
 * the bytes (or at once while Node's buffer is under its high-water mark), so a handler that reads a page,
 * writes it and reads the next holds about one page however slowly the client reads. When the client goes
 * away `write` answers false and the handler stops reading. An error after the first byte cannot become an
 * error response any more: errorHandler (middleware.ts) then cuts the connection, so the client sees a
 * truncated body, never a complete-looking one.
 */
import type { Response } from 'express';

export class ResponseStream {
  private gone = false;
  private readonly res: Response;

  constructor(res: Response) {
    this.res = res;
    res.on('close', () => {
      if (!res.writableFinished) this.gone = true;
    });
  }

  /** Writes `chunk`; resolves true when the client can take more, false when it has gone away. */
  async write(chunk: string): Promise<boolean> {
    if (this.gone) return false;
    if (this.res.write(chunk)) return true;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
    return !this.gone;
  }

  /** Writes the last chunk and ends the response. */
  end(chunk: string): void {
    if (!this.gone) this.res.end(chunk);
  }
}
