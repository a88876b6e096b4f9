# central differences of the shipped float32 model's energies through `segnn predict`, against its own forces
import gzip, io, subprocess, sys, numpy as np
from ase.io import read, write
model, data, out = sys.argv[1], sys.argv[2], sys.argv[3]
frames = read(io.StringIO(gzip.open(data, 'rt').read()), index=':', format='extxyz')
h = 5e-3
picked_frames = [frames[i] for i in (0, 3, 4, 7, 8, 11)]
structs, meta = [], []
for fi, a in enumerate(picked_frames):
    a = a.copy(); a.calc = None
    structs.append(a.copy())
    meta.append((fi, None, 0))
    fixed = a.arrays.get('fixed')
    free = [i for i in range(len(a)) if fixed is None or not fixed[i]]
    rng = np.random.default_rng(fi)
    for i in rng.choice(free, size=min(4, len(free)), replace=False):
        for k in range(3):
            for s in (1, -1):
                b = a.copy(); p = b.get_positions(); p[i, k] += s * h; b.set_positions(p)
                structs.append(b); meta.append((fi, (int(i), k), s))
write(out + '/fd_in.extxyz', structs, format='extxyz')
subprocess.run(sys.argv[4:] + ['predict', '--model', model, '--input', out + '/fd_in.extxyz', '--out', out + '/fd_out.extxyz', '--threads', '1'], check=True)
pred = read(out + '/fd_out.extxyz', index=':')
E = {}; F = {}
for (fi, ik, s), b in zip(meta, pred):
    if ik is None: F[fi] = b.get_forces()
    else: E[(fi, ik, s)] = b.get_potential_energy()
rel = []
for fi in F:
    num, ana = [], []
    for (f2, ik, s), e in E.items():
        if f2 != fi or s != 1: continue
        fd = -(e - E[(fi, ik, -1)]) / (2 * h)
        num.append(fd); ana.append(F[fi][ik[0], ik[1]])
    num, ana = np.array(num), np.array(ana)
    r = np.linalg.norm(num - ana) / np.linalg.norm(ana)
    rel.append(r)
    print(f"frame {fi}: {len(num)} components, rms |F| {np.sqrt((ana**2).mean()):.3f} eV/A, relative difference {r:.2e}, max abs {np.abs(num-ana).max():.2e} eV/A")
print(f"overall: max relative {max(rel):.2e}, median {np.median(rel):.2e}")
