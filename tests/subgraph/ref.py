#!/usr/bin/env python3
"""ref.py: a plain reference for kag-subgraph's tests, and their graphs.

  ref.py gen SEED [noghost]  a random kag stream with every awkward case
                             (noghost: no edge to an id that is no node,
                             which kag-load refuses)
  ref.py cut [options] FILE  the records kag-subgraph keeps, as they stand
      options: --node ID ... | --root ID [--depth N]; --direction D;
               --no-edges; --with-memories

The cut is written here the obvious way (a dict of lists and a deque), so
that kag-subgraph's compact one can be held to it.
"""
import json
import random
import sys
from collections import deque


def gen(seed, ghosts=True):
    rnd = random.Random(seed)
    # Ids with quotes, backslashes, non-ASCII (raw and \u-escaped), astral.
    odd = ['q"uote', 'back\\slash', 'caf\u00e9', 'na\u00efve \u65e5\u672c',
           'emoji \U0001f600', 'tab\there', 'sl/ash']
    ids = ['n%d' % i for i in range(rnd.randint(15, 40))] + odd
    rnd.shuffle(ids)
    lone = 'isolated'
    users = ['alice', 'bob', 'default_user']
    out = []

    def dump(obj):
        # Half compact, half as Python writes it (spaces, \u escapes).
        if rnd.random() < 0.5:
            return json.dumps(obj, ensure_ascii=False, separators=(',', ':'))
        return json.dumps(obj)

    keys = ['k%d' % i for i in range(8)]
    for i in range(12):
        m = {'type': 'memory', 'scope': rnd.choice(['working', 'persistent']),
             'key': rnd.choice(keys), 'value': 'v%d' % i}
        u = rnd.choice(users + [None])
        if u is not None:
            m['user_id'] = u
        m['agent_name'] = None
        m['created_at'] = '2026-01-01 00:00:%02d' % i
        m['updated_at'] = m['created_at']
        out.append(m)
    for i, n in enumerate(ids + [lone]):
        node = {'type': 'node', 'id': n}
        r = rnd.random()
        if r < 0.3:
            node['node_type'] = 'memory'
            node['data'] = {'key': rnd.choice(keys)}
            if rnd.random() < 0.5:
                node['data']['user_id'] = rnd.choice(users)
        else:
            node['node_type'] = rnd.choice(['person', 'topic'])
            node['data'] = {'i': i}
        if rnd.random() < 0.3:
            node['content'] = 'about %s' % n
        out.append(node)
    for i in range(rnd.randint(20, 80)):
        s = rnd.choice(ids)
        d = rnd.choice(ids) if rnd.random() > 0.1 else s  # self-loops
        if rnd.random() < 0.05 and ghosts:
            d = 'ghost'  # an endpoint that is no node
        e = {'type': 'edge', 'src': s, 'dst': d,
             'rel_type': rnd.choice(['knows', 'likes', 'mentions']),
             'weight': round(rnd.random(), 3)}
        if rnd.random() < 0.15:
            e['directed'] = False
        if rnd.random() < 0.2:
            e['id'] = 'e%d' % i
        out.append(e)
        if rnd.random() < 0.1:  # a parallel edge
            e2 = dict(e)
            e2['rel_type'] = 'also'
            out.append(e2)
    for i in range(rnd.randint(1, 4)):
        mem = rnd.sample(ids, rnd.randint(2, 4))
        if rnd.random() < 0.3:
            mem.append('ghost')
        out.append({'type': 'hyperedge', 'id': 'h%d' % i, 'nodes': mem,
                    'edge_type': 'team'})
    return [dump(r) + '\n' for r in out]


def cut(args):
    """The lines of the cut that args (kag-subgraph's) asks for."""
    start, depth, direction, edges, mems = [], 2, 'both', True, False
    root = False
    files = []
    it = iter(args)
    for a in it:
        if a == '--node':
            start.append(next(it))
        elif a == '--root':
            start.append(next(it))
            root = True
        elif a == '--depth':
            depth = int(next(it))
        elif a == '--direction':
            direction = next(it)
        elif a == '--no-edges':
            edges = False
        elif a == '--with-memories':
            mems = True
        else:
            files.append(a)
    if not root:
        depth = 0
    recs = []
    for name in files:
        with open(name, encoding='utf-8') as f:
            for line in f:
                r = json.loads(line)
                if r.get('type') in ('metadata', 'end'):
                    continue
                recs.append((r, line))
    nodes = {r['id'] for r, _ in recs if r['type'] == 'node'}
    out_, in_ = {}, {}
    hyper = {}
    for r, _ in recs:
        if r['type'] == 'edge':
            s = r.get('src', r.get('source'))
            d = r.get('dst', r.get('target'))
            und = r.get('directed') is False
            out_.setdefault(s, []).append(d)
            in_.setdefault(d, []).append(s)
            if und:
                out_.setdefault(d, []).append(s)
                in_.setdefault(s, []).append(d)
        elif r['type'] == 'hyperedge':
            for m in r['nodes']:
                hyper.setdefault(m, []).append(r['nodes'])
    dist = {}
    q = deque()
    for s in start:
        if s in nodes and s not in dist:
            dist[s] = 0
            q.append(s)
    while q:
        u = q.popleft()
        if dist[u] >= depth:
            continue
        nbrs = []
        if direction != 'in':
            nbrs += out_.get(u, [])
        if direction != 'out':
            nbrs += in_.get(u, [])
        for h in hyper.get(u, []):
            nbrs += h
        for v in nbrs:
            if v in nodes and v not in dist:
                dist[v] = dist[u] + 1
                q.append(v)
    want = set()
    for r, _ in recs:
        if r['type'] == 'node' and r['id'] in dist and mems and \
                r.get('node_type') == 'memory' and \
                isinstance(r.get('data'), dict) and \
                isinstance(r['data'].get('key'), str):
            u = r['data'].get('user_id')
            want.add((r['data']['key'], u if isinstance(u, str) else None))
    kept = []
    for r, line in recs:
        t = r['type']
        if t == 'node':
            keep = r['id'] in dist
        elif t == 'edge':
            keep = edges and r.get('src', r.get('source')) in dist and \
                r.get('dst', r.get('target')) in dist
        elif t == 'hyperedge':
            keep = edges and any(m in dist for m in r['nodes'])
        elif t == 'memory':
            owner = r.get('user_id', 'default_user')
            keep = mems and ((r['key'], None) in want or
                             (r['key'], owner) in want)
        else:
            keep = False
        if keep:
            kept.append(line)
    return kept


if __name__ == '__main__':
    sys.stdout.reconfigure(encoding='utf-8')
    if sys.argv[1] == 'gen':
        sys.stdout.writelines(gen(int(sys.argv[2]),
                                  sys.argv[3:] != ['noghost']))
    else:
        sys.stdout.writelines(cut(sys.argv[2:]))
