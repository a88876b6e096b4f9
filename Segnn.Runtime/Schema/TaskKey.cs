using System.Text.Json;
using System.Text.Json.Serialization;

namespace Segnn.Runtime;

/// <summary>
/// The typed name of a task (<c>nbody</c>, <c>qm9-mp2</c>, <c>is2re</c>, …): what a model was trained to predict. Parsed once
/// where it enters (a model file, a command line) and compared as a value; lower-case letters, digits and '-'.
/// </summary>
[JsonConverter(typeof(TaskKeyJsonConverter))]
public readonly record struct TaskKey
{
    /// <summary>Creates a key, checking its spelling.</summary>
    /// <exception cref="FormatException">The name is empty or has characters other than a–z, 0–9 and '-'.</exception>
    public TaskKey(string name)
    {
        if (!IsValid(name))
            throw new FormatException($"'{name}' is not a task name (lower-case letters, digits and '-')");
        Name = name;
    }

    /// <summary>The written name.</summary>
    public string Name { get; }

    /// <summary>Whether <paramref name="name"/> is spelled as a task name.</summary>
    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 64 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    /// <inheritdoc />
    public override string ToString() => Name ?? "";
}

/// <summary>JSON form of a <see cref="TaskKey"/>: its name as a string.</summary>
public sealed class TaskKeyJsonConverter : JsonConverter<TaskKey>
{
    /// <inheritdoc />
    public override TaskKey Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return TaskKey.IsValid(name) ? new TaskKey(name!) : throw new JsonException($"'{name}' is not a task name");
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, TaskKey value, JsonSerializerOptions options) => writer.WriteStringValue(value.Name);
}
