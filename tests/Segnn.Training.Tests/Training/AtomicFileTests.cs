using System.Diagnostics;
using Segnn.IO;

namespace Segnn.Training.Tests.Training;

[TestClass]
public sealed class AtomicFileTests
{
    [TestMethod]
    public void StaleTemporariesOfDeadProcessesAreRemovedAndOthersKept()
    {
        string dir = Directory.CreateTempSubdirectory("segnn-atomic-").FullName;
        try
        {
            int dead = ExitedProcessId();
            string guid = Guid.NewGuid().ToString("N");
            string stale = Path.Combine(dir, $".last.ckpt.{dead}.{guid}.tmp");
            string live = Path.Combine(dir, $".best.ckpt.{Environment.ProcessId}.{guid}.tmp");
            string foreign = Path.Combine(dir, ".notes.tmp");
            string target = Path.Combine(dir, "last.ckpt");
            foreach (string f in new[] { stale, live, foreign }) File.WriteAllText(f, "partial");
            AtomicFile.WriteAllText(target, "whole");

            Assert.AreEqual(1, AtomicFile.RemoveStale(dir));
            Assert.IsFalse(File.Exists(stale), "the dead writer's temporary is removed");
            Assert.IsTrue(File.Exists(live), "a running writer's temporary is kept");
            Assert.IsTrue(File.Exists(foreign), "files not named like our temporaries are kept");
            Assert.AreEqual("whole", File.ReadAllText(target));
            Assert.AreEqual(0, AtomicFile.RemoveStale(dir), "nothing left to remove");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static int ExitedProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }
}
