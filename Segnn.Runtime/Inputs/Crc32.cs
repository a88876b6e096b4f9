using System.Buffers.Binary;

namespace Segnn.Runtime.Inputs;

/// <summary>
/// CRC-32 as gzip (RFC 1952), zlib and PNG use it: the reflected polynomial 0xEDB88320, initial value and final XOR
/// 0xFFFFFFFF. Table-driven, eight bytes per step ("slicing by 8").
/// </summary>
internal static class Crc32
{
    private const uint Polynomial = 0xEDB88320u;

    // Table k (k = 0..7) at [256 k, 256 k + 255]: the CRC of byte i followed by k zero bytes.
    private static readonly uint[] Tables = BuildTables();

    /// <summary>The CRC-32 of the data that <paramref name="crc"/> is the CRC-32 of (0 for none), followed by <paramref name="data"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint[] t = Tables;
        uint c = ~crc;
        while (data.Length >= 8)
        {
            uint lo = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ c;
            uint hi = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            c = t[1792 + (lo & 0xff)] ^ t[1536 + ((lo >> 8) & 0xff)] ^ t[1280 + ((lo >> 16) & 0xff)] ^ t[1024 + (lo >> 24)]
                ^ t[768 + (hi & 0xff)] ^ t[512 + ((hi >> 8) & 0xff)] ^ t[256 + ((hi >> 16) & 0xff)] ^ t[hi >> 24];
            data = data[8..];
        }

        foreach (byte b in data)
            c = t[(c ^ b) & 0xff] ^ (c >> 8);
        return ~c;
    }

    private static uint[] BuildTables()
    {
        var t = new uint[8 * 256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? Polynomial ^ (c >> 1) : c >> 1;
            t[i] = c;
        }

        for (int k = 1; k < 8; k++)
        {
            for (int i = 0; i < 256; i++)
            {
                uint previous = t[256 * (k - 1) + i];
                t[256 * k + i] = (previous >> 8) ^ t[previous & 0xff];
            }
        }

        return t;
    }
}
