import { explainAwsError } from "../aws/errors.js";

/** Errors from AWS become one actionable paragraph; anything else passes through. */
export async function withAwsErrors<T>(region: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw explainAwsError(error, region) ?? error;
  }
}
