using System.Text.Json;
using System.Text.Json.Serialization;

namespace Segnn.O3;

/// <summary>Irreps in JSON as their e3nn string (<c>"32x0e+32x1o"</c>); a malformed string is a JSON error quoting it.</summary>
public sealed class IrrepsJsonConverter : JsonConverter<Irreps>
{
    public override Irreps Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? text = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw new JsonException("irreps must be a string such as \"32x0e+32x1o\"");
        try
        {
            return Irreps.Parse(text!);
        }
        catch (FormatException ex)
        {
            throw new JsonException(ex.Message, ex);
        }
    }

    public override void Write(Utf8JsonWriter writer, Irreps value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
