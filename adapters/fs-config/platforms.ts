/** The platforms of 附件2 from config/: channels.json and one mapping file per platform in config/platforms/. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePlatforms, type PlatformCheckOptions, type PlatformConfig } from '../../src/application/platforms/config.js';

export interface LoadPlatformsOptions extends PlatformCheckOptions {
  channelsFile?: string;
  dir?: string;
}

/** Reads and checks all platforms; throws one error listing every problem (parsePlatforms). */
export function loadPlatforms(opts: LoadPlatformsOptions = {}): Map<string, PlatformConfig> {
  const { channelsFile = 'config/channels.json', dir = 'config/platforms', ...check } = opts;
  const channels = readFileSync(channelsFile, 'utf8');
  // No directory is no mapping files: every platform of channels.json is then reported as missing one.
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
  const mappings = files.map((file) => {
    const path = join(dir, file);
    try {
      return { file, path, text: readFileSync(path, 'utf8') as string | Error };
    } catch (e) {
      return { file, path, text: e as Error };
    }
  });
  return parsePlatforms({ channelsFile, channels, dir, mappings }, check);
}
