namespace Segnn.IO;

/// <summary>
/// Crash-safe file writes: the content goes to a temporary file in the target's folder, is flushed to disk, and is then
/// renamed over the target. A reader sees the old file or the new one, never a torn one (rename is atomic on POSIX).
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        string temp = TempPath(path);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static void WriteAllText(string path, string text) => Write(path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Streams content through <paramref name="write"/> into a temporary file, then renames it over <paramref name="path"/>.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string temp = TempPath(path);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Deletes the temporary files that writes into <paramref name="dir"/> left behind when their process was killed
    /// mid-write (<c>.{name}.{pid}.{guid}.tmp</c> of a process that no longer runs); files of live processes are kept.
    /// Returns how many were deleted.
    /// </summary>
    public static int RemoveStale(string dir)
    {
        if (!Directory.Exists(dir)) return 0;
        int removed = 0;
        foreach (string file in Directory.EnumerateFiles(dir, ".*.tmp"))
        {
            string[] parts = Path.GetFileName(file).Split('.');
            // "", name parts…, pid, guid, "tmp"
            if (parts.Length < 5 || !int.TryParse(parts[^3], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid) || parts[^2].Length != 32)
                continue;
            if (pid == Environment.ProcessId || IsRunning(pid)) continue;
            TryDelete(file);
            if (!File.Exists(file)) removed++;
        }
        return removed;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string TempPath(string path)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
