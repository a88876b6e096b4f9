using Segnn.Runtime.Inputs;

namespace Segnn.Runtime.Dynamics;

/// <summary>The ensemble a run samples.</summary>
public enum Thermostat
{
    /// <summary>Constant energy: plain velocity Verlet.</summary>
    Nve,

    /// <summary>Constant temperature: Langevin dynamics (BAOAB splitting), friction <see cref="MdOptions.FrictionPerFs"/>.</summary>
    Langevin,
}

/// <summary>How a molecular-dynamics run integrates. Units: fs, K.</summary>
public sealed record MdOptions
{
    /// <summary>The time step, fs.</summary>
    public double TimeStepFs { get; init; } = 1.0;

    /// <summary>NVE (velocity Verlet) or Langevin NVT.</summary>
    public Thermostat Thermostat { get; init; } = Thermostat.Nve;

    /// <summary>The Langevin bath's temperature, K.</summary>
    public double TemperatureK { get; init; } = 300;

    /// <summary>The Langevin friction, 1/fs.</summary>
    public double FrictionPerFs { get; init; } = 0.01;

    /// <summary>Initial velocities from a Maxwell–Boltzmann distribution at this temperature (K; 0: start at rest), the centre-of-mass motion removed.</summary>
    public double InitialTemperatureK { get; init; }

    /// <summary>Keep atoms marked fixed (<see cref="PeriodicStructure.Fixed"/>) where they are.</summary>
    public bool HonorFixedAtoms { get; init; } = true;

    /// <summary>Seeds the initial velocities and the Langevin noise.</summary>
    public int Seed { get; init; } = 1;

    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public MdOptions Validate()
    {
        if (!(TimeStepFs > 0) || !double.IsFinite(TimeStepFs)) throw new ArgumentException($"the time step must be a positive number of fs, not {TimeStepFs}");
        if (!(TemperatureK >= 0) || !(InitialTemperatureK >= 0)) throw new ArgumentException("temperatures must be >= 0 K");
        if (Thermostat == Thermostat.Langevin && !(FrictionPerFs > 0)) throw new ArgumentException("a Langevin run needs a positive friction (1/fs)");
        return this;
    }
}

/// <summary>One state of a run: positions (Å), velocities (Å/fs), forces (eV/Å), energies (eV), temperature (K).</summary>
public sealed record MdFrame(int Step, double TimeFs, double[] Positions, double[] Velocities, double[] Forces, double PotentialEnergy, double KineticEnergy, double Temperature)
{
    /// <summary>Potential plus kinetic energy, eV.</summary>
    public double TotalEnergy => PotentialEnergy + KineticEnergy;
}

/// <summary>
/// Molecular dynamics with a Segnn force field (a model whose file outputs <c>energy</c> and <c>forces</c>): velocity
/// Verlet for NVE, BAOAB Langevin for NVT. A .NET app runs a structure in a few lines:
/// <code>
/// var md = new MolecularDynamics(session, structure, new MdOptions { TimeStepFs = 1, InitialTemperatureK = 300 });
/// foreach (MdFrame f in md.Run(10_000, every: 10)) Console.WriteLine($"{f.TimeFs} {f.TotalEnergy}");
/// </code>
/// Each step is one prediction (the radius graph is rebuilt, so neighbours may change freely).
/// </summary>
public sealed class MolecularDynamics
{
    // ASE's unit of time: Å·√(u/eV) = 10.1805 fs; positions in Å, energies in eV and masses in u make F/m an acceleration in it
    private const double FsPerTimeUnit = 10.180505710774743;
    private const double Boltzmann = 8.617333262e-5; // eV/K

    private readonly SegnnSession _session;
    private readonly PeriodicStructure _structure;
    private readonly MdOptions _options;
    private readonly double[] _masses;
    private readonly bool[] _moving;
    private readonly Random _rng;
    private readonly string _energy;
    private readonly string _forces;
    private readonly double[] _positions;
    private readonly double[] _velocities; // Å per ASE time unit
    private double[] _f;
    private double _potential;
    private int _step;

    /// <exception cref="SegnnModelException">The model gives no energy and forces.</exception>
    public MolecularDynamics(SegnnSession session, PeriodicStructure structure, MdOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(structure);
        _options = (options ?? new MdOptions()).Validate();
        _energy = session.Metadata.Outputs.FirstOrDefault(o => o.Name == "energy" && o.Level == OutputLevel.Graph)?.Name
            ?? throw new SegnnModelException($"{session.Source}: molecular dynamics needs a model with an 'energy' output (a force field)");
        _forces = session.Metadata.Outputs.FirstOrDefault(o => o.Name == "forces" && o.Level == OutputLevel.Node && o.Width == 3)?.Name
            ?? throw new SegnnModelException($"{session.Source}: molecular dynamics needs a model with a per-atom 'forces' output (a force field)");
        structure.Validate();
        _session = session;
        _structure = structure;
        int n = structure.AtomCount;
        _masses = structure.AtomicNumbers.Select(Elements.Mass).ToArray();
        _moving = Enumerable.Range(0, n).Select(i => !(_options.HonorFixedAtoms && structure.Fixed is { } f && f[i])).ToArray();
        _rng = new Random(_options.Seed);
        _positions = (double[])structure.Positions.Clone();
        _velocities = new double[3 * n];
        if (_options.InitialTemperatureK > 0) InitialVelocities(_options.InitialTemperatureK);
        (_potential, _f) = Evaluate(_positions);
    }

    /// <summary>Degrees of freedom: three per moving atom, less the centre of mass's three when nothing is fixed.</summary>
    public int DegreesOfFreedom => Math.Max(1, 3 * _moving.Count(m => m) - (_moving.All(m => m) ? 3 : 0));

    /// <summary>The current state.</summary>
    public MdFrame Current
    {
        get
        {
            double kinetic = Kinetic();
            return new MdFrame(_step, _step * _options.TimeStepFs, (double[])_positions.Clone(), _velocities.Select(v => v / FsPerTimeUnit).ToArray(),
                (double[])_f.Clone(), _potential, kinetic, 2 * kinetic / (DegreesOfFreedom * Boltzmann));
        }
    }

    /// <summary>The structure at the current positions.</summary>
    public PeriodicStructure CurrentStructure => _structure with { Positions = (double[])_positions.Clone() };

    /// <summary>Advances one time step.</summary>
    public void Step()
    {
        double dt = _options.TimeStepFs / FsPerTimeUnit;
        int n = _masses.Length;
        Kick(0.5 * dt);
        if (_options.Thermostat == Thermostat.Nve)
        {
            Drift(dt);
        }
        else
        {
            // BAOAB: half drift, the exact Ornstein–Uhlenbeck step of the velocities, half drift
            Drift(0.5 * dt);
            double c1 = Math.Exp(-_options.FrictionPerFs * _options.TimeStepFs), c2 = Math.Sqrt(1 - c1 * c1);
            double kt = Boltzmann * _options.TemperatureK;
            for (int i = 0; i < n; i++)
            {
                if (!_moving[i]) continue;
                double sigma = Math.Sqrt(kt / _masses[i]);
                for (int k = 0; k < 3; k++) _velocities[3 * i + k] = c1 * _velocities[3 * i + k] + c2 * sigma * SyntheticSystems.Gaussian(_rng);
            }
            Drift(0.5 * dt);
        }
        (_potential, _f) = Evaluate(_positions);
        Kick(0.5 * dt);
        _step++;
    }

    /// <summary>Runs <paramref name="steps"/> steps, yielding the first state and then every <paramref name="every"/>-th.</summary>
    public IEnumerable<MdFrame> Run(int steps, int every = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        yield return Current;
        for (int s = 1; s <= steps; s++)
        {
            Step();
            if (s % every == 0 || s == steps) yield return Current;
        }
    }

    private void Kick(double dt)
    {
        for (int i = 0; i < _masses.Length; i++)
            if (_moving[i])
                for (int k = 0; k < 3; k++) _velocities[3 * i + k] += dt * _f[3 * i + k] / _masses[i];
    }

    private void Drift(double dt)
    {
        for (int i = 0; i < _masses.Length; i++)
            if (_moving[i])
                for (int k = 0; k < 3; k++) _positions[3 * i + k] += dt * _velocities[3 * i + k];
    }

    private double Kinetic()
    {
        double e = 0;
        for (int i = 0; i < _masses.Length; i++)
            for (int k = 0; k < 3; k++) e += 0.5 * _masses[i] * _velocities[3 * i + k] * _velocities[3 * i + k];
        return e;
    }

    private (double Energy, double[] Forces) Evaluate(double[] positions)
    {
        SystemPrediction p = _session.Predict(_structure with { Positions = positions });
        return (p.Outputs[_energy][0], p.Outputs[_forces]);
    }

    private void InitialVelocities(double temperature)
    {
        int n = _masses.Length;
        for (int i = 0; i < n; i++)
        {
            if (!_moving[i]) continue;
            double sigma = Math.Sqrt(Boltzmann * temperature / _masses[i]);
            for (int k = 0; k < 3; k++) _velocities[3 * i + k] = sigma * SyntheticSystems.Gaussian(_rng);
        }
        if (_moving.All(m => m))
        {
            // no drift of the whole system
            double total = _masses.Sum();
            for (int k = 0; k < 3; k++)
            {
                double p = Enumerable.Range(0, n).Sum(i => _masses[i] * _velocities[3 * i + k]);
                for (int i = 0; i < n; i++) _velocities[3 * i + k] -= p / total;
            }
        }
        // exactly the asked temperature
        double current = 2 * Kinetic() / (DegreesOfFreedom * Boltzmann);
        if (current > 0)
        {
            double scale = Math.Sqrt(temperature / current);
            for (int i = 0; i < _velocities.Length; i++) _velocities[i] *= scale;
        }
    }
}

/// <summary>How well a run conserved its total energy.</summary>
/// <param name="Atoms">Atoms in the system.</param>
/// <param name="DurationFs">Simulated time.</param>
/// <param name="DriftPerAtom">The trend: the least-squares slope of the total energy times the duration, per atom (eV/atom).</param>
/// <param name="MaxDeviationPerAtom">The largest |E(t) − E(0)| per atom (eV/atom).</param>
/// <param name="FluctuationPerAtom">The standard deviation of the total energy about its trend, per atom (eV/atom).</param>
public sealed record EnergyConservation(int Atoms, double DurationFs, double DriftPerAtom, double MaxDeviationPerAtom, double FluctuationPerAtom)
{
    /// <summary>Measures a run from its frames.</summary>
    public static EnergyConservation Of(IReadOnlyList<MdFrame> frames, int atoms)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.Count < 2) throw new ArgumentException("at least two frames are needed to measure a drift", nameof(frames));
        double[] t = frames.Select(f => f.TimeFs).ToArray(), e = frames.Select(f => f.TotalEnergy).ToArray();
        double tm = t.Average(), em = e.Average();
        double slope = t.Zip(e).Sum(p => (p.First - tm) * (p.Second - em)) / t.Sum(x => (x - tm) * (x - tm));
        double duration = t[^1] - t[0];
        double fluctuation = Math.Sqrt(t.Zip(e).Average(p => Math.Pow(p.Second - (em + slope * (p.First - tm)), 2)));
        return new EnergyConservation(atoms, duration, slope * duration / atoms, e.Max(x => Math.Abs(x - e[0])) / atoms, fluctuation / atoms);
    }
}
