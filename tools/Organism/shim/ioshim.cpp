// libLibTorchSharp 0.107.0 was linked against GCC 13's libstdc++ and asks for one symbol that GCC 12's
// (Debian 12) does not have: std::ios_base_library_init() (version GLIBCXX_3.4.32). GCC 13 calls it from
// every object that includes <iostream> to construct the standard streams; constructing a static
// ios_base::Init does the same with an older libstdc++.
#include <ios>

namespace std
{
void ios_base_library_init();

void ios_base_library_init()
{
    static ios_base::Init init;
}
}
