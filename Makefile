# Thin front door over CMake (as Neovim does): the real build is CMakeLists.txt.
.PHONY: all compare test bench clean
all:
	cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DLIQSIM_TESTS=OFF
	cmake --build build/release -j
compare:
	bash tools/dev.sh compare
test:
	bash tools/dev.sh test
bench:
	bash tools/dev.sh bench
clean:
	rm -rf build
