// The Node the tests run on is one the package's `engines` accepts. CI runs the suite on each Node
// major it claims (.ci/run sets TRESTA_TEST_NODE for each step): tap and the processes it starts must
// run on that major, not on whichever node comes first on the PATH.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import t from 'tap';
import { ROOT } from '../helpers/packed-package.js';

const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };

t.test(`Node ${process.version} is within engines.node`, async (t) => {
  t.ok(semver.satisfies(process.version, manifest.engines.node), `${process.version} satisfies "${manifest.engines.node}"`);
});

t.test(
  'the tests run on the Node major the CI step asked for',
  { skip: !process.env.TRESTA_TEST_NODE && 'not in CI' },
  async (t) => {
    t.equal(String(semver.major(process.version)), process.env.TRESTA_TEST_NODE, `tap runs on ${process.execPath}`);
  },
);
