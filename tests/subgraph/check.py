#!/usr/bin/env python3
"""check.py: kag-subgraph held to ref.py's plain BFS, printing TAP.

On generated graphs (cycles, self-loops, parallel and undirected edges,
hyperedges, ids with quotes, backslashes and non-ASCII, an isolated node,
edges to ids that are no node), for depths 0 to 5 and each direction:
from a stream, and from a store that kag-load filled (held to the cut of
what kag-dump writes of it), also with the indexes of kag 0.1 and in WAL
mode.  Then --node, --no-edges, --with-memories, --json and --max-bytes.
Run by tests/t_subgraph.t.
"""
import json
import os
import random
import shutil
import subprocess
import sys

top = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(top, 'tests', 'subgraph'))
import ref  # noqa: E402

BIN = os.path.join(top, 'bin')
tmp = os.path.join(top, 'tests', 'tmp', 'subgraph.%d' % os.getpid())
n = 0
failed = 0


def ok(cond, name, why=''):
    """A test point."""
    global n, failed
    n += 1
    print('%sok %d - %s' % ('' if cond else 'not ', n, name))
    if not cond:
        failed += 1
        for line in why[:2000].splitlines()[:20]:
            print('# ' + line)
    sys.stdout.flush()


def run(prog, *args, env=None):
    e = dict(os.environ)
    e.pop('SOURCE_DATE_EPOCH', None)
    e.pop('KAG_DB', None)
    if env:
        e.update(env)
    p = subprocess.run([os.path.join(BIN, prog)] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=e)
    return p.returncode, p.stdout, p.stderr


def body(out):
    """The records between the header and the trailer, and the trailer."""
    lines = out.decode('utf-8').splitlines(True)
    if len(lines) < 2 or '"metadata"' not in lines[0]:
        return None, None
    return lines[1:-1], json.loads(lines[-1])


def counts(lines):
    c = {'memories': 0, 'graph_nodes': 0, 'graph_edges': 0, 'hyperedges': 0}
    name = {'memory': 'memories', 'node': 'graph_nodes',
            'edge': 'graph_edges', 'hyperedge': 'hyperedges'}
    for line in lines:
        c[name[json.loads(line)['type']]] += 1
    return c


def same(args, src, file, label):
    """kag-subgraph args (from the stream file, or from the store when
    src is a database) against ref.py on file."""
    want = ref.cut(args + [file])
    if src.endswith('.db'):
        rc, out, err = run('kag-subgraph', '-q', '-d', src, *args)
    else:
        rc, out, err = run('kag-subgraph', '-q', *(args + [src]))
    got, end = body(out)
    why = 'status %d, stderr %r\nwant %r\ngot  %r' % (rc, err, want, got)
    good = rc == 0 and got == want and end is not None and \
        end.get('stats') == counts(want)
    ok(good, '%s: %s' % (label, ' '.join(args)), why)


def graphs():
    """(label, source, stream the reference reads) for each graph."""
    for seed in (1, 2, 3):
        f = os.path.join(tmp, 'g%d.jsonl' % seed)
        with open(f, 'w', encoding='utf-8') as out:
            out.writelines(ref.gen(seed))
        yield 'stream %d' % seed, f, f
        g = os.path.join(tmp, 'n%d.jsonl' % seed)
        with open(g, 'w', encoding='utf-8') as out:
            out.writelines(ref.gen(seed, False))
        db = os.path.join(tmp, 's%d.db' % seed)
        rc, _, err = run('kag-load', '-q', '-d', db, g)
        ok(rc == 0, 'kag-load fills store %d' % seed, err.decode())
        d = os.path.join(tmp, 'd%d.jsonl' % seed)
        rc, out, err = run('kag-dump', '-q', '-d', db)
        ok(rc == 0, 'kag-dump reads store %d' % seed, err.decode())
        with open(d, 'wb') as f2:
            f2.write(out)
        yield 'store %d' % seed, db, d
        if seed == 1:
            yield 'store %d, schema 1' % seed, variant(db, SCHEMA1), d
            yield 'store %d, WAL' % seed, variant(db, WAL), d


# A store as kag 0.1 made it (narrower edge indexes), and one in WAL mode
# (where the edges are not read on a second connection).
SCHEMA1 = """DROP INDEX kag_edges_src; DROP INDEX kag_edges_dst;
CREATE INDEX kag_edges_src ON kag_edges(src, dst, rel_type);
CREATE INDEX kag_edges_dst ON kag_edges(dst);
UPDATE kag_meta SET value = '1' WHERE key = 'schema_version';"""
WAL = "PRAGMA journal_mode = WAL;"


def variant(db, sql):
    """A copy of the store db, changed by sql."""
    import sqlite3
    copy = db[:-3] + '-%d.db' % (hash(sql) & 0xffff)
    shutil.copyfile(db, copy)
    con = sqlite3.connect(copy, isolation_level=None)
    con.executescript(sql)
    con.close()
    return copy


def ids_of(file):
    with open(file, encoding='utf-8') as f:
        return [r['id'] for r in map(json.loads, f) if r['type'] == 'node']


def cuts():
    for label, src, file in graphs():
        ids = ids_of(file)
        rnd = random.Random(label)
        roots = ['isolated', 'q"uote', 'back\\slash', 'na\u00efve \u65e5\u672c',
                 'emoji \U0001f600'] + rnd.sample(ids, 2)
        for d in ('both', 'out', 'in'):
            for depth in range(6):
                for r in roots:
                    same(['--root', r, '--depth', str(depth),
                          '--direction', d], src, file, label)
        for _ in range(4):
            same([a for i in rnd.sample(ids, rnd.randint(1, 4))
                  for a in ('--node', i)], src, file, label)
        for r in roots[:3]:
            same(['--root', r, '--depth', '3', '--no-edges'], src, file,
                 label)
            same(['--root', r, '--with-memories'], src, file, label)
            same(['--root', r, '--depth', '4', '--with-memories',
                  '--direction', 'out'], src, file, label)


def element(rec):
    """A record as a document element, as kag-subgraph(1) says."""
    names = {'src': 'source', 'dst': 'target', 'rel_type': 'edge_type'}
    if rec['type'] == 'edge':
        return {names.get(k, k): v for k, v in rec.items() if k != 'type'}
    return {k: v for k, v in rec.items() if k != 'type'}


def document():
    f = os.path.join(tmp, 'g1.jsonl')
    args = ['--root', 'q"uote', '--depth', '2', '--with-memories']
    want = [json.loads(line) for line in ref.cut(args + [f])]
    env = {'SOURCE_DATE_EPOCH': '1773585000'}
    rc, out, err = run('kag-subgraph', '--json', *(args + [f]), env=env)
    doc = json.loads(out)
    by = {t: [element(r) if t != 'memory' else r for r in want
              if r['type'] == t]
          for t in ('node', 'edge', 'hyperedge', 'memory')}
    ok(rc == 0 and err == b'', '--json exits 0 quietly', err.decode())
    ok(list(doc)[:6] == ['export_id', 'exported_at', 'source_graph',
                         'nodes', 'edges', 'hyperedges'],
       '--json: HyperMemory keys in order', repr(list(doc)))
    ok(doc['nodes'] == by['node'], '--json: nodes are the records but type')
    ok(doc['edges'] == by['edge'],
       '--json: edges with source, target, edge_type', repr(doc['edges']))
    ok(doc['hyperedges'] == by['hyperedge'], '--json: hyperedges whole')
    ok(doc['memories'] == by['memory'], '--json: memories as records')
    ok(doc['stats'] == {'total_nodes': len(by['node']),
                        'total_edges': len(by['edge']),
                        'total_hyperedges': len(by['hyperedge']),
                        'total_memories': len(by['memory'])},
       '--json: stats count the arrays', repr(doc['stats']))
    ok(doc['exported_at'] == '2026-03-15T14:30:00Z',
       '--json: exported_at from SOURCE_DATE_EPOCH', doc['exported_at'])
    rc2, out2, _ = run('kag-subgraph', '--json', *(args + [f]), env=env)
    ok(out2 == out, '--json: the same input gives the same bytes')
    rc3, out3, _ = run('kag-subgraph', '--json', *(args + [f]),
                       env={'SOURCE_DATE_EPOCH': '1'})
    ok(json.loads(out3)['export_id'] == doc['export_id'],
       '--json: export_id follows the content, not the time')
    rc4, out4, _ = run('kag-subgraph', '--json', '--root', 'isolated', f)
    ok(json.loads(out4)['export_id'] != doc['export_id'],
       '--json: another cut, another export_id')
    ok(doc['export_id'].startswith('exp_'), '--json: export_id exp_...')

    # --max-bytes: the size written is the limit that passes.
    for extra in ([], ['--json']):
        rc, out, _ = run('kag-subgraph', *(extra + args + [f]), env=env)
        size = str(len(out))
        rc1, out1, err1 = run('kag-subgraph', '--max-bytes', size,
                              *(extra + args + [f]), env=env)
        ok(rc1 == 0 and out1 == out,
           '--max-bytes %s %s: written' % (size, ' '.join(extra)))
        small = str(len(out) - 1)
        rc2, out2, err2 = run('kag-subgraph', '--max-bytes', small,
                              *(extra + args + [f]), env=env)
        msg = ('kag-subgraph: export too large: %s bytes, more than '
               '--max-bytes %s\n' % (size, small)).encode()
        ok(rc2 == 1 and out2 == b'' and err2 == msg,
           '--max-bytes %s %s: refused, nothing written' % (small,
                                                           ' '.join(extra)),
           'status %d stderr %r' % (rc2, err2))


def roundtrip():
    """Document out, kag-load, kag-dump: the same graph as the stream
    out, kag-load, kag-dump."""
    f = os.path.join(tmp, 'n2.jsonl')
    args = ['--root', ids_of(f)[0], '--depth', '3']
    res = {}
    for form in ('stream', 'json'):
        extra = ['--json'] if form == 'json' else []
        _, out, _ = run('kag-subgraph', *(extra + args + [f]))
        src = os.path.join(tmp, 'rt.' + form)
        with open(src, 'wb') as w:
            w.write(out)
        db = os.path.join(tmp, 'rt-%s.db' % form)
        rc, _, err = run('kag-load', '-q', '-d', db, src)
        rc2, dump, _ = run('kag-dump', '-q', '-d', db, '--no-working',
                           '--no-persistent')
        res[form] = (rc, err, body(dump)[0] if rc2 == 0 else None)
    rc, err, lines = res['json']
    good = rc == 0 and lines == res['stream'][2] and lines
    ok(good, 'document out, kag-load, kag-dump: the same graph',
       'status %d %r' % (rc, err))


def main():
    os.makedirs(tmp, exist_ok=True)
    try:
        cuts()
        document()
        roundtrip()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print('1..%d' % n)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.stdout.reconfigure(encoding='utf-8')
    sys.exit(main())
