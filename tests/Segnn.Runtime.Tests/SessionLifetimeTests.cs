using Segnn.Runtime.Inputs;
using Segnn.Tests;

namespace Segnn.Runtime.Tests;

/// <summary>
/// Disposing a session while other threads are inside <c>Predict</c> must never reach the native session: it used to
/// crash the process (SIGSEGV, or an ONNX Runtime assertion) in 4 of 4 tries. Every call either finishes with the serial
/// answer or throws <see cref="ObjectDisposedException"/>.
/// </summary>
[TestClass]
public sealed class SessionLifetimeTests
{
    private static readonly Molecule Water = new("water", [8, 1, 1], [0, 0, 0, 0.96, 0, 0, -0.24, 0.93, 0]);

    [TestMethod]
    public void DisposeUnderConcurrentPredictionsNeverCrashesAndCallsEndCleanly()
    {
        string model = SharedData.RequireInRepository("models/qm9-mp2-energy.onnx");
        var settings = new SessionSettings { IntraOpThreads = 1 };
        double expected;
        using (SegnnSession serial = SegnnSession.Load(model, settings))
            expected = serial.Predict(Water).Outputs["binding_energy"][0];

        const int interleavings = 100, threads = 4;
        var rng = new Random(7);
        int finished = 0, refused = 0;
        for (int round = 0; round < interleavings; round++)
        {
            var session = SegnnSession.Load(model, settings);
            using var started = new CountdownEvent(threads);
            var errors = new System.Collections.Concurrent.ConcurrentBag<Exception>();
            var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
            {
                started.Signal();
                while (true)
                {
                    try
                    {
                        double value = session.Predict(Water).Outputs["binding_energy"][0];
                        if (value != expected) errors.Add(new InvalidOperationException($"a concurrent call gave {value:R}, not {expected:R}"));
                        Interlocked.Increment(ref finished);
                    }
                    catch (ObjectDisposedException)
                    {
                        Interlocked.Increment(ref refused);
                        return;
                    }
                    catch (Exception ex)
                    {
                        errors.Add(ex);
                        return;
                    }
                }
            })).ToList();
            workers.ForEach(w => w.Start());
            started.Wait();
            // dispose at a different moment each round: before the first call is in, mid-call, between calls
            int delay = rng.Next(0, 4);
            if (delay > 0) Thread.Sleep(delay);
            else Thread.SpinWait(rng.Next(1, 20000));
            session.Dispose();
            session.Dispose(); // twice is harmless
            workers.ForEach(w => Assert.IsTrue(w.Join(TimeSpan.FromSeconds(30)), "a worker hung after Dispose"));
            Assert.IsEmpty(errors, string.Join("; ", errors.Select(e => $"{e.GetType().Name}: {e.Message}")));
            Assert.ThrowsExactly<ObjectDisposedException>(() => session.Predict(Water));
        }
        Assert.AreEqual(interleavings * threads, refused, "every worker ends with ObjectDisposedException");
        Assert.IsGreaterThan(0, finished, "some calls ran while others were being refused");
    }
}
