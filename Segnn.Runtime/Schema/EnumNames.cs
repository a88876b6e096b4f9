using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Segnn.Runtime;

/// <summary>
/// Gives an enum member the name it is written with in model files and configurations (<c>[EnumName("fully-connected")]</c>),
/// so every enum of the model schema is parsed once, at the boundary, and compared as a value everywhere else.
/// </summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class EnumNameAttribute(string name) : Attribute
{
    /// <summary>The written name.</summary>
    public string Name { get; } = name;
}

/// <summary>Written names of the schema's enums: <see cref="EnumNameAttribute"/> where present, else the member name in lower case.</summary>
public static class EnumNames
{
    /// <summary>The written name of <paramref name="value"/>.</summary>
    public static string Name<T>(T value) where T : struct, Enum => Table<T>.Names.TryGetValue(value, out string? name)
        ? name
        : throw new ArgumentOutOfRangeException(nameof(value), value, $"{value} is not a member of {typeof(T).Name}");

    /// <summary>Every written name, in declaration order.</summary>
    public static IReadOnlyList<string> All<T>() where T : struct, Enum => Table<T>.Ordered;

    /// <summary>Parses a written name (exact, case-sensitive).</summary>
    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        if (text is not null && Table<T>.Values.TryGetValue(text, out value))
            return true;
        value = default;
        return false;
    }

    /// <summary>Parses a written name; <paramref name="what"/> names the setting in the error.</summary>
    /// <exception cref="FormatException">The name is not one of the enum's.</exception>
    public static T Parse<T>(string? text, string what) where T : struct, Enum =>
        TryParse(text, out T value) ? value : throw new FormatException($"{what} must be {Choices<T>()}, not '{text}'");

    /// <summary>"a, b or c".</summary>
    public static string Choices<T>() where T : struct, Enum
    {
        IReadOnlyList<string> names = Table<T>.Ordered;
        return names.Count == 1 ? names[0] : $"{string.Join(", ", names.Take(names.Count - 1))} or {names[^1]}";
    }

    private static class Table<T> where T : struct, Enum
    {
        public static readonly IReadOnlyList<string> Ordered;
        public static readonly FrozenDictionary<T, string> Names;
        public static readonly FrozenDictionary<string, T> Values;

        static Table()
        {
            var pairs = typeof(T).GetFields(BindingFlags.Public | BindingFlags.Static)
                .Select(f => (Value: (T)f.GetValue(null)!, Name: f.GetCustomAttribute<EnumNameAttribute>()?.Name ?? f.Name.ToLowerInvariant()))
                .ToList();
            Ordered = pairs.Select(p => p.Name).ToArray();
            Names = pairs.ToFrozenDictionary(p => p.Value, p => p.Name);
            Values = pairs.ToFrozenDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
        }
    }
}

/// <summary>Reads and writes an enum by its <see cref="EnumNames"/> name; an unknown name is a JSON error that lists the valid ones.</summary>
public sealed class EnumNameJsonConverter<T> : JsonConverter<T> where T : struct, Enum
{
    /// <inheritdoc />
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return EnumNames.TryParse(text, out T value) ? value
            : throw new JsonException($"'{text ?? reader.TokenType.ToString()}' is not {EnumNames.Choices<T>()}");
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(EnumNames.Name(value));
}
