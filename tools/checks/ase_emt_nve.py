import gzip, io, sys, numpy as np
from ase.io import read
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms
from ase.md.verlet import VelocityVerlet
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution
from ase import units
path, idx, dt, steps = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
frames = read(io.StringIO(gzip.open(path,'rt').read()), index=':', format='extxyz')
a = frames[idx]
print(len(a), a.get_chemical_formula(), a.pbc)
fixed = a.arrays.get('fixed')
if fixed is not None and fixed.any(): a.set_constraint(FixAtoms(mask=fixed.astype(bool)))
a.calc = EMT()
MaxwellBoltzmannDistribution(a, temperature_K=300, rng=np.random.default_rng(1))
if fixed is not None: 
    v=a.get_velocities(); v[fixed.astype(bool)]=0; a.set_velocities(v)
dyn = VelocityVerlet(a, timestep=dt*units.fs)
E=[]
for i in range(steps//10):
    dyn.run(10); E.append(a.get_potential_energy()+a.get_kinetic_energy())
E=np.array(E); t=np.arange(len(E))*10*dt
slope=np.polyfit(t,E,1)[0]
n=len(a)
print(f"dt {dt} fs steps {steps}: E0 {E[0]:.5f} drift(fit, whole run) {slope*t[-1]/n:.2e} eV/atom, max|E-E0| {np.abs(E-E[0]).max()/n:.2e} eV/atom, std {E.std()/n:.2e}")
