/** Schemas shared by routes for the OpenAPI document. */
import { z } from 'zod';

/** The error body, as documented; `code` values are listed in `@miptech/protocol`'s ERROR_CODES. */
export const ErrorResponse = z
  .object({
    detail: z.string(),
    code: z.string(),
    request_id: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .describe('Every error: a human `detail`, a stable `code`, the `request_id`');

/** Response entries for every error status. */
export const errorResponses = { '4xx': ErrorResponse, '5xx': ErrorResponse } as const;
