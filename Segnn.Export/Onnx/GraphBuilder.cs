using Google.Protobuf;
using Segnn.Export.Onnx.Proto;

namespace Segnn.Export.Onnx;

/// <summary>ONNX element types the exporter uses.</summary>
public enum OnnxType
{
    Float = 1,
    Int64 = 7,
    Bool = 9,
    Double = 11,
}

/// <summary>
/// A small ONNX graph builder: unique value names, nodes with typed attributes, deduplicated initializers, typed
/// inputs/outputs with symbolic dimensions, opset imports and metadata. Produces a <c>ModelProto</c>.
/// </summary>
public sealed class GraphBuilder
{
    private readonly GraphProto _graph = new() { Name = "segnn" };
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);
    private readonly List<(string Key, string Value)> _metadata = new();
    private int _counter;

    /// <param name="opset">ONNX opset.</param>
    /// <param name="irVersion">ONNX IR version.</param>
    /// <param name="floatType">the element type of every real value in the graph (float32, or float64 for exports in double precision).</param>
    public GraphBuilder(int opset = 17, long irVersion = 8, OnnxType floatType = OnnxType.Float)
    {
        if (floatType is not (OnnxType.Float or OnnxType.Double)) throw new ArgumentException("real values are float or double", nameof(floatType));
        Opset = opset;
        IrVersion = irVersion;
        FloatType = floatType;
    }

    /// <summary>The element type of the graph's real values.</summary>
    public OnnxType FloatType { get; }

    public int Opset { get; }
    public long IrVersion { get; }
    public int NodeCount => _graph.Node.Count;

    internal GraphProto Graph => _graph;

    /// <summary>A fresh value name starting with <paramref name="hint"/>.</summary>
    public string Fresh(string hint)
    {
        string name = hint;
        while (!_names.Add(name)) name = $"{hint}_{++_counter}";
        return name;
    }

    /// <summary>Declares a graph input; dimensions are numbers or symbolic names (strings).</summary>
    public string Input(string name, OnnxType type, params object[] dims)
    {
        if (!_names.Add(name)) throw new ArgumentException($"value name '{name}' is already used");
        _graph.Input.Add(ValueInfo(name, type, dims));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> as a graph output under <paramref name="name"/> (adding an Identity when the names differ).</summary>
    public string Output(string value, string name, OnnxType type, params object[] dims)
    {
        if (value != name)
        {
            if (!_names.Add(name)) throw new ArgumentException($"value name '{name}' is already used");
            AddNodeWithOutputs("Identity", [value], [name]);
        }
        _graph.Output.Add(ValueInfo(name, type, dims));
        return name;
    }

    public void Metadata(string key, string value) => _metadata.Add((key, value));

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    internal string Node(string opType, IReadOnlyList<string> inputs, params (string Name, object Value)[] attributes) =>
        AddNodeWithOutputs(opType, inputs, [Fresh(opType.ToLowerInvariant())], attributes)[0];

    internal IReadOnlyList<string> AddNodeWithOutputs(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params (string Name, object Value)[] attributes)
    {
        _graph.Node.Add(NewNode(opType, inputs, outputs, attributes));
        return outputs;
    }

    /// <summary>A node not yet in the graph (for passes that rebuild the node list).</summary>
    internal NodeProto NewNode(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = Fresh("n_" + opType) };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        foreach (var (name, value) in attributes) node.Attribute.Add(Attribute(name, value));
        return node;
    }

    /// <summary>
    /// Static widths of rank-2 values ([rows, features]) by name, recorded by the trace and the lowering, so that graph
    /// passes know where a feature tensor's columns come from.
    /// </summary>
    internal Dictionary<string, long> Widths { get; } = new(StringComparer.Ordinal);

    /// <summary>The values of a 1-D int64 initializer, or null when <paramref name="name"/> is not one.</summary>
    internal long[]? IntConstant(string name)
    {
        TensorProto? t = _graph.Initializer.FirstOrDefault(i => i.Name == name);
        if (t is null || t.DataType != (int)OnnxType.Int64 || t.Dims.Count != 1) return null;
        if (t.RawData.Length > 0)
        {
            var values = new long[t.RawData.Length / 8];
            Buffer.BlockCopy(t.RawData.ToByteArray(), 0, values, 0, values.Length * 8);
            return values;
        }
        return t.Int64Data.ToArray();
    }

    /// <summary>A float initializer; identical constants are stored once.</summary>
    public string Constant(float[] values, long[] dims, string hint = "const") => AddInitializer(hint, dims, OnnxType.Float, t =>
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        t.RawData = ByteString.CopyFrom(bytes);
    }, Key("f", dims, values.SelectMany(BitConverter.GetBytes)));

    public string Constant(long[] values, long[] dims, string hint = "const") => AddInitializer(hint, dims, OnnxType.Int64, t =>
    {
        var bytes = new byte[values.Length * 8];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        t.RawData = ByteString.CopyFrom(bytes);
    }, Key("i", dims, values.SelectMany(BitConverter.GetBytes)));

    public string Scalar(float value, string hint = "scalar") => Real([value], [], hint);

    /// <summary>A real initializer in the graph's <see cref="FloatType"/>; identical constants are stored once.</summary>
    public string Real(IReadOnlyList<double> values, long[] dims, string hint = "const")
    {
        if (FloatType == OnnxType.Float) return Constant(values.Select(v => (float)v).ToArray(), dims, hint);
        double[] array = values.ToArray();
        return AddInitializer(hint, dims, OnnxType.Double, t =>
        {
            var bytes = new byte[array.Length * 8];
            Buffer.BlockCopy(array, 0, bytes, 0, bytes.Length);
            t.RawData = ByteString.CopyFrom(bytes);
        }, Key("d", dims, array.SelectMany(BitConverter.GetBytes)));
    }

    public string Ints(params long[] values) => Constant(values, [values.Length], "ints");

    internal ModelProto Build(string producerVersion, string docString)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "segnn",
            ProducerVersion = producerVersion,
            Domain = "ai.segnn",
            ModelVersion = 1,
            DocString = docString,
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in _metadata) model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    private string AddInitializer(string hint, long[] dims, OnnxType type, Action<TensorProto> fill, string key)
    {
        if (_constants.TryGetValue(key, out string? existing)) return existing;
        string name = Fresh(hint);
        var t = new TensorProto { Name = name, DataType = (int)type };
        t.Dims.AddRange(dims);
        fill(t);
        _graph.Initializer.Add(t);
        _constants[key] = name;
        return name;
    }

    private static string Key(string kind, long[] dims, IEnumerable<byte> data) =>
        kind + "|" + string.Join(",", dims) + "|" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(data.ToArray()));

    private static ValueInfoProto ValueInfo(string name, OnnxType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object d in dims)
            shape.Dim.Add(d switch
            {
                string s => new TensorShapeProto.Types.Dimension { DimParam = s },
                int i => new TensorShapeProto.Types.Dimension { DimValue = i },
                long l => new TensorShapeProto.Types.Dimension { DimValue = l },
                _ => throw new ArgumentException($"dimension {d} must be a number or a name"),
            });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private static AttributeProto Attribute(string name, object value) => value switch
    {
        long l => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = l },
        int i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
        string s => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(s) },
        long[] ls => Ints(name, ls),
        int[] iss => Ints(name, iss.Select(v => (long)v).ToArray()),
        TensorProto t => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = t },
        _ => throw new ArgumentException($"attribute {name}: unsupported value type {value.GetType().Name}"),
    };

    private static AttributeProto Ints(string name, long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>A one-element tensor value, in the graph's <see cref="FloatType"/>, for attributes such as ConstantOfShape's <c>value</c>.</summary>
    internal TensorProto ScalarTensor(double value)
    {
        var t = new TensorProto { DataType = (int)FloatType };
        t.Dims.Add(1);
        if (FloatType == OnnxType.Double) t.DoubleData.Add(value);
        else t.FloatData.Add((float)value);
        return t;
    }
}
