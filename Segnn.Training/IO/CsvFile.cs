using CsvHelper;

namespace Segnn.IO;

/// <summary>CSV tables written atomically with CsvHelper (RFC 4180 quoting, LF line ends, invariant culture).</summary>
public static class CsvFile
{
    public static void Write(string path, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows) =>
        AtomicFile.Write(path, stream => Write(stream, header, rows));

    public static void Write(Stream stream, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        using CsvWriter csv = CsvWriter.Create(stream, new CsvWriterOptions { NewLine = "\n" }, leaveOpen: true);
        csv.WriteHeader(header.ToArray());
        foreach (IReadOnlyList<string> row in rows) csv.WriteRecord(row.ToArray());
    }
}
