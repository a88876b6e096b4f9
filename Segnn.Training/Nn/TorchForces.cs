using Segnn.Graphs;
using static TorchSharp.torch;

namespace Segnn.Nn;

/// <summary>A model's energies with their forces and stress, by TorchSharp's autograd (training and reference predictions).</summary>
public static class TorchForces
{
    /// <summary>
    /// Energies [graphs, 1], forces [nodes, 3] and, where the model has one, the stress [graphs, 9]. With
    /// <paramref name="createGraph"/> the derivatives are themselves differentiable (a force loss trains the weights).
    /// </summary>
    public static (Tensor Energy, Tensor Forces, Tensor? Stress) Compute(SegnnModel model, TorchOps ops, RawGraph<Tensor> g, bool createGraph)
    {
        using var _ = enable_grad();
        Tensor positions = g.Positions.detach().requires_grad_(true);
        bool stress = model.Config.Derivatives == EnergyDerivatives.ForcesAndStress;
        Tensor? cell = stress ? (g.Cell ?? throw new ArgumentException("a stress needs the cell")).detach().requires_grad_(true) : null;
        RawGraph<Tensor> graph = g with { Positions = positions, Cell = cell ?? g.Cell };
        Tensor energy = model.Config.TaskDefinition.Predict(ops, model, graph);
        Tensor[] inputs = cell is null ? [positions] : [positions, cell];
        var grads = autograd.grad([energy.sum()], inputs, retain_graph: createGraph, create_graph: createGraph, allow_unused: true);
        Tensor gradPositions = grads[0] ?? zeros_like(positions);
        Tensor forces = EnergyGradients.Forces(ops, gradPositions);
        Tensor? stressTensor = cell is null ? null : EnergyGradients.Stress(ops, graph, gradPositions, grads[1] ?? zeros_like(cell));
        return createGraph ? (energy, forces, stressTensor) : (energy.detach(), forces.detach(), stressTensor?.detach());
    }
}
