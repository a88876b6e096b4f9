using Segnn.Runtime.Inputs;

namespace Segnn.Runtime.Tests.Inputs;

[TestClass]
public sealed class ElementsTests
{
    private const string FirstFourPeriods =
        "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr";

    [TestMethod]
    public void SymbolsOfHydrogenToKryptonMatchThePeriodicTable()
    {
        string[] symbols = FirstFourPeriods.Split(' ');
        Assert.HasCount(36, symbols);
        for (int z = 1; z <= 36; z++)
        {
            Assert.AreEqual(symbols[z - 1], Elements.Symbol(z));
            Assert.IsTrue(Elements.TryGetAtomicNumber(symbols[z - 1], out int found));
            Assert.AreEqual(z, found);
            Assert.AreEqual(z, Elements.AtomicNumber(symbols[z - 1]));
            Assert.IsTrue(Elements.TryGetAtomicNumber(symbols[z - 1].AsSpan(), out found));
            Assert.AreEqual(z, found);
        }
    }

    [TestMethod]
    public void EveryKnownSymbolRoundTrips()
    {
        var seen = new HashSet<string>();
        for (int z = 1; z <= Elements.MaxAtomicNumber; z++)
        {
            string symbol = Elements.Symbol(z);
            Assert.IsTrue(seen.Add(symbol), $"{symbol} appears twice");
            Assert.AreEqual(z, Elements.AtomicNumber(symbol));
        }

        Assert.AreEqual("Og", Elements.Symbol(118));
        Assert.AreEqual(79, Elements.AtomicNumber("Au"));
    }

    [TestMethod]
    [DataRow("c")]
    [DataRow("CL")]
    [DataRow("cl")]
    [DataRow("Xx")]
    [DataRow("")]
    [DataRow(" C")]
    [DataRow("6")]
    public void UnknownOrWronglyCasedSymbolsAreRejected(string symbol)
    {
        Assert.IsFalse(Elements.TryGetAtomicNumber(symbol, out int z));
        Assert.AreEqual(0, z);
        Assert.IsFalse(Elements.TryGetAtomicNumber(symbol.AsSpan(), out _));
        var error = Assert.ThrowsExactly<ArgumentException>(() => Elements.AtomicNumber(symbol));
        StringAssert.Contains(error.Message, $"'{symbol}'");
    }

    [TestMethod]
    public void AtomicNumbersOutsideThePeriodicTableAreRejected()
    {
        Assert.IsFalse(Elements.TryGetAtomicNumber((string?)null, out _));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Elements.Symbol(0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Elements.Symbol(-1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Elements.Symbol(Elements.MaxAtomicNumber + 1));
        Assert.IsFalse(Elements.IsValid(0));
        Assert.IsTrue(Elements.IsValid(36));
    }
}
