// Two namespaces that use each other, so the cycle detector has a known cycle to find (NamespaceGraphTests).
namespace Offswitch.Tests.Architecture.CycleA
{
    internal static class UsesB
    {
        public const int Constant = 1;

        public static int Value() => CycleB.UsesA.Field + Constant;
    }
}

namespace Offswitch.Tests.Architecture.CycleB
{
    internal static class UsesA
    {
        public static readonly int Field = 2;

        public static int Value() => CycleA.UsesB.Value() + Field;
    }
}
