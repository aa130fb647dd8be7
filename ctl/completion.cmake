# cmake -DWAKACTL=path/to/wakactl -DOUTPUT=file -P completion.cmake: writes `wakactl completion bash`.
execute_process(COMMAND ${WAKACTL} completion bash OUTPUT_FILE ${OUTPUT} RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "wakactl completion bash failed: ${status}")
endif()
