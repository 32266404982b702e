/** The storage settings a maintenance CLI needs, or null after printing what to fix (exit code 2). */
import { ConfigError, rawEnvironment, readToolEnv, type ToolConfig } from '../config';

export function toolConfigOrExplain(): ToolConfig | null {
  try {
    return readToolEnv(rawEnvironment());
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return null;
    }
    throw err;
  }
}
